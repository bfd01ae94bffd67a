"""metrics/surfel_table.h (the marching-cubes triangles behind DeepMind
surface areas in 3D) is what tests/metrics/gen_surfel_table.py derives from
scikit-image's marching cubes today, byte for byte; and the derived
triangles give the hand-worked areas of the simple codes (one corner: the
triangle through three edge midpoints; one edge: a 1 x sqrt(2)/2
rectangle; one face: the unit mid-plane square), complements alike.

Run as: /usr/bin/python3 test_surfel_table.py MRVET_BINARY BUILD_DIR
(skips when Debian's python3 lacks scikit-image).
"""
import io
import os
import sys
import unittest
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

try:
    import numpy as np
    sys.path.insert(0, HERE)
    import gen_surfel_table
except ImportError:  # oracle absent: nothing to compare with
    gen_surfel_table = None


@unittest.skipIf(gen_surfel_table is None, "numpy/scikit-image not installed")
class SurfelTable(unittest.TestCase):
    def test_header_is_generated_output(self):
        buf = io.StringIO()
        with redirect_stdout(buf):
            gen_surfel_table.main()
        with open(os.path.join(ROOT, "metrics", "surfel_table.h")) as f:
            self.assertEqual(f.read(), buf.getvalue(),
                             "metrics/surfel_table.h is stale: rerun "
                             "tests/metrics/gen_surfel_table.py")

    def test_hand_worked_codes(self):
        def area(code):
            return sum(np.linalg.norm(np.array(t) / 8.0)
                       for t in gen_surfel_table.triangles(code))
        # one corner in (or out): the triangle through three edge
        # midpoints, legs 1/2 -> |(1,1,1)|/8
        for code in (1, 2, 4, 8, 16, 32, 64, 128, 254, 127):
            self.assertAlmostEqual(area(code), np.sqrt(3) / 8, places=12)
        # two corners along an edge: a 1 x sqrt(2)/2 rectangle
        for code in (3, 5, 12, 10, 48, 192):
            self.assertAlmostEqual(area(code), np.sqrt(2) / 2, places=12)
        # a face of four corners: the unit square mid-plane
        for code in (15, 240, 0b11001100, 0b10101010):
            self.assertAlmostEqual(area(code), 1.0, places=12)
        # two opposite corners (1 and 128): two separate corner triangles
        self.assertAlmostEqual(area(0b10000001), 2 * np.sqrt(3) / 8, places=12)
        self.assertEqual(gen_surfel_table.triangles(0), [])
        self.assertEqual(gen_surfel_table.triangles(255), [])
        # complements share their surfels
        for code in range(256):
            self.assertEqual(gen_surfel_table.triangles(code),
                             gen_surfel_table.triangles(255 - code))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
