// TypeDoc plugin (typedoc.json "plugin"): documents the public namespaces (`bandits`, `optax`,
// `online`, `bilevel`, `linalg`, and their nested `models`/`sets`) as what a user reaches through them,
// with the docs of the declarations they point at, written once.
//
// Each namespace is a frozen object (`export const bandits = Object.freeze({ UCB1, simulate, ... })`,
// kept that way so that bundlers drop unused families) merged with a `declare namespace bandits {
// export type UCB1 = S.UCB1; ... }` that gives its types. Converted as TypeDoc would by itself, the
// namespace would hold 169 undocumented type aliases and a variable whose properties are `typeof
// UCB1`, and the classes would be documented nowhere. This plugin adds, to the comment TypeDoc reads:
//   * `@namespace` to a variable or property initialised with `Object.freeze({ ... })`;
//   * `@reexport` to a type alias of a namespace that names a class or interface (`export type UCB1 =
//     S.UCB1` or `import('./x.js').UCB1`): TypeDoc converts that class or interface in its place,
//     under the namespace's name, with its own doc comments and members (an alias naming another
//     alias keeps the comment of the alias it names);
//   * `@hidden` to a property of the frozen object whose value is a class the namespace also
//     exports as a type of the same name (the class is documented through that type);
//   * `@function` to a property whose value is a function (documented by the function's own comment);
//   * to any other property (a constant, `offPolicy: offPolicyEstimate`), the comment of the
//     declaration it names.
// So a namespace member is documented exactly where its declaration is, and an undocumented one is
// reported (by validation.notDocumented) under the name a user sees, e.g. `index.bandits.UCB1`.
import ts from 'typescript';
import { Comment, Context, ReflectionKind } from 'typedoc';

const isFreezeOfObject = (e) => {
  while (e && (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression?.(e))) e = e.expression;
  return !!e && ts.isCallExpression(e) && e.arguments.length === 1 && ts.isObjectLiteralExpression(e.arguments[0])
    && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'freeze'
    && ts.isIdentifier(e.expression.expression) && e.expression.expression.text === 'Object';
};

/** The namespace symbol (merged const + declare namespace) that declares the frozen object `obj`, if any. */
function namespaceOf(obj, checker) {
  const call = obj.parent;
  const holder = call?.parent;
  if (!holder || !(ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder))) return null;
  return checker.getSymbolAtLocation(holder.name) ?? null;
}

function resolve(sym, checker) {
  return sym && (sym.flags & ts.SymbolFlags.Alias) ? checker.getAliasedSymbol(sym) : sym;
}

function withModifier(comment, tag) {
  const c = comment ? comment.clone() : new Comment();
  c.modifierTags.add(tag);
  return c;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  const original = Context.prototype.getComment;
  Context.prototype.getComment = function getComment(symbol, kind) {
    const comment = original.call(this, symbol, kind);
    const decl = symbol.declarations?.[0];
    if (!decl) return comment;
    const checker = this.checker;
    if ((ts.isVariableDeclaration(decl) || ts.isPropertyAssignment(decl)) && isFreezeOfObject(decl.initializer)) {
      return withModifier(comment, '@namespace');
    }
    if (ts.isTypeAliasDeclaration(decl) && ts.isModuleBlock(decl.parent) && !decl.typeParameters) {
      // `S.UCB1` or `import('./x.js').UCB1`
      const name = ts.isTypeReferenceNode(decl.type) && !decl.type.typeArguments ? decl.type.typeName
        : ts.isImportTypeNode(decl.type) && decl.type.qualifier && !decl.type.typeArguments ? decl.type.qualifier : null;
      const target = name && resolve(checker.getSymbolAtLocation(name), checker);
      if (target) {
        // a class or interface is converted in place; an alias of another alias (a union, a literal
        // type) stays an alias here, with the comment of the alias it names
        const classLike = target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface);
        if (classLike && ts.isTypeReferenceNode(decl.type)) return withModifier(comment, '@reexport');
        // TypeDoc re-exports only a plain reference; `import('./x.js').X` keeps the comment of what it names
        return comment ?? original.call(this, target, !classLike ? kind : target.flags & ts.SymbolFlags.Class ? ReflectionKind.Class : ReflectionKind.Interface);
      }
    }
    if ((ts.isShorthandPropertyAssignment(decl) || ts.isPropertyAssignment(decl)) && ts.isObjectLiteralExpression(decl.parent) && isFreezeOfObject(decl.parent.parent)) {
      if (comment) return comment;
      const valueSym = ts.isShorthandPropertyAssignment(decl)
        ? checker.getShorthandAssignmentValueSymbol(decl)
        : ts.isIdentifier(decl.initializer) || ts.isPropertyAccessExpression(decl.initializer) ? checker.getSymbolAtLocation(decl.initializer) : undefined;
      const target = resolve(valueSym, checker);
      if (!target) return comment;
      if (target.flags & ts.SymbolFlags.Class) {
        const ns = namespaceOf(decl.parent, checker);
        const typeExport = ns?.exports?.get(symbol.escapedName);
        if (typeExport && (typeExport.flags & ts.SymbolFlags.TypeAlias)) return withModifier(undefined, '@hidden');
        return original.call(this, target, ReflectionKind.Class);
      }
      if (target.flags & ts.SymbolFlags.Function) return withModifier(undefined, '@function');
      return original.call(this, target, kind);
    }
    return comment;
  };
}
