#!/usr/bin/env python3
"""Write test/fixtures/digits.json from scikit-learn's bundled copy of the UCI handwritten digits
(`sklearn.datasets.load_digits`: 1797 images of 8x8 pixels with values 0..16, 10 classes), with a
fixed seeded, stratified train/test split (80/20).

Format (compact): `pixels` is one string of n*64 characters, pixel value v stored as chr(97 + v)
('a'..'q'), row by row; `labels` is a string of n digits; `train` and `test` list row indices.

  /usr/bin/python3 scripts/make_digits_fixture.py            # rewrite the fixture
  /usr/bin/python3 scripts/make_digits_fixture.py --check    # regenerate and compare with the committed file
"""
import json, os, sys
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'digits.json')
SEED = 20231123


def build():
    d = load_digits()
    x = d.data.astype(np.int64)
    y = d.target.astype(np.int64)
    assert x.shape == (1797, 64) and x.min() >= 0 and x.max() <= 16
    idx = np.arange(len(y))
    train, test = train_test_split(idx, test_size=0.2, random_state=SEED, stratify=y)
    data = {
        'source': 'sklearn.datasets.load_digits (UCI optical recognition of handwritten digits, test part)',
        'generator': 'scripts/make_digits_fixture.py',
        'n': int(len(y)), 'features': 64, 'classes': 10, 'maxPixel': 16, 'seed': SEED,
        'pixels': ''.join(chr(97 + int(v)) for v in x.ravel()),
        'labels': ''.join(str(int(v)) for v in y),
        'train': sorted(int(i) for i in train),
        'test': sorted(int(i) for i in test),
    }
    return json.dumps(data, separators=(',', ':')) + '\n'


def main():
    text = build()
    if '--check' in sys.argv:
        same = open(OUT).read() == text
        print('digits fixture check: ' + ('identical' if same else 'DIFFERS'))
        sys.exit(0 if same else 1)
    with open(OUT, 'w') as f:
        f.write(text)
    print(f'wrote {OUT} ({len(text)} bytes)')


if __name__ == '__main__':
    main()
