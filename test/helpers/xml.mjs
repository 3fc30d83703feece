// A strict XML 1.0 well-formedness check for the SVG the library writes (no dependency): one root
// element, balanced tags, quoted attributes without '<' or a bare '&', unique attribute names,
// only the predefined entities and numeric character references, no text outside the root.
// Returns { root, elements: [{ name, attrs }] } or throws an Error saying where.
export function parseXml(s) {
  let i = 0;
  const stack = [], elements = [];
  let root = null, closedRoot = false;
  const fail = (m) => { throw new Error(`XML: ${m} at offset ${i}: ${JSON.stringify(s.slice(Math.max(0, i - 30), i + 30))}`); };
  const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
  const text = (t) => {
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(t)) fail('forbidden character');
    for (const m of t.matchAll(/&([^;]*);?/g)) if (!/^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);$/.test(m[0])) fail(`bad entity ${m[0]}`);
  };
  if (s.startsWith('<?xml')) { const e = s.indexOf('?>'); if (e < 0) fail('unterminated declaration'); i = e + 2; }
  while (i < s.length) {
    if (s[i] !== '<') {
      const e = s.indexOf('<', i), t = s.slice(i, e < 0 ? s.length : e);
      if (stack.length === 0 && t.trim() !== '') fail('text outside the root');
      text(t); i = e < 0 ? s.length : e; continue;
    }
    if (s.startsWith('<!--', i)) { const e = s.indexOf('-->', i); if (e < 0) fail('unterminated comment'); i = e + 3; continue; }
    if (s.startsWith('</', i)) {
      i += 2; const m = NAME.exec(s.slice(i)); if (!m) fail('bad end tag'); i += m[0].length;
      while (/\s/.test(s[i])) i++;
      if (s[i] !== '>') fail('bad end tag'); i++;
      const open = stack.pop(); if (open !== m[0]) fail(`</${m[0]}> closes <${open}>`);
      if (stack.length === 0) closedRoot = true;
      continue;
    }
    i++;
    const m = NAME.exec(s.slice(i)); if (!m) fail('bad tag name');
    const name = m[0]; i += name.length;
    if (closedRoot) fail('a second root element');
    const attrs = {};
    for (;;) {
      const ws = /^\s*/.exec(s.slice(i))[0].length; i += ws;
      if (s[i] === '>' || s.startsWith('/>', i)) break;
      if (ws === 0) fail('attributes must be separated by white space');
      const a = NAME.exec(s.slice(i)); if (!a) fail('bad attribute name');
      i += a[0].length;
      if (s[i] !== '=') fail('attribute without a value'); i++;
      const q = s[i]; if (q !== '"' && q !== "'") fail('unquoted attribute'); i++;
      const e = s.indexOf(q, i); if (e < 0) fail('unterminated attribute');
      const v = s.slice(i, e); if (v.includes('<')) fail('< in an attribute');
      text(v);
      if (a[0] in attrs) fail(`attribute ${a[0]} twice`);
      attrs[a[0]] = v; i = e + 1;
    }
    elements.push({ name, attrs });
    if (root === null) root = name;
    if (s.startsWith('/>', i)) { i += 2; if (stack.length === 0) closedRoot = true; } else { i++; stack.push(name); }
  }
  if (stack.length) fail(`unclosed <${stack[stack.length - 1]}>`);
  if (root === null) fail('no root element');
  return { root, elements };
}
