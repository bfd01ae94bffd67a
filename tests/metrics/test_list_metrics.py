"""`mrvet list metrics`: every metric of the issue is listed once, with its
input kind, the direction a reviewer expects (Dice higher, HD lower, RVD
closest to 0, ...) and a definition line.

Run as: /usr/bin/python3 test_list_metrics.py MRVET_BINARY BUILD_DIR
"""
import subprocess
import sys
import unittest

MRVET = sys.argv[1] if len(sys.argv) > 1 else "mrvet"

# name -> (kind, direction): what the field's conventions say, written here.
EXPECTED = {
    "psnr": ("image", "higher is better"),
    "ssim": ("image", "higher is better"),
    "nmse": ("image", "lower is better"),
    "ssim_gauss": ("image", "higher is better"),
    "ssim3d": ("image", "higher is better"),
    "mae": ("image", "lower is better"),
    "hfen": ("image", "lower is better"),
    "hfen3d": ("image", "lower is better"),
    "dice": ("labels", "higher is better"),
    "iou": ("labels", "higher is better"),
    "hd": ("labels", "lower is better"),
    "hd95": ("labels", "lower is better"),
    "assd": ("labels", "lower is better"),
    "nsd": ("labels", "higher is better"),
    "rvd": ("labels", "closest to 0 is best"),
    "ece": ("probs", "lower is better"),
    "aece": ("probs", "lower is better"),
    "mce": ("probs", "lower is better"),
    "brier": ("probs", "lower is better"),
    "nll": ("probs", "lower is better"),
}


class ListMetrics(unittest.TestCase):
    def test_every_metric_with_direction_and_definition(self):
        out = subprocess.run([MRVET, "list", "metrics"], capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        seen = {}
        for i, line in enumerate(lines):
            if not line or line[0] == " ":
                continue
            name = line.split()[0]
            self.assertNotIn(name, seen, "listed twice: " + name)
            self.assertTrue(i + 1 < len(lines) and lines[i + 1].lstrip().startswith("= "),
                            "no definition line after " + name)
            seen[name] = line
        self.assertEqual(set(seen), set(EXPECTED))
        for name, (kind, direction) in EXPECTED.items():
            self.assertEqual(seen[name].split()[1], kind, name)
            self.assertIn(direction, seen[name], name)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
