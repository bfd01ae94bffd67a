"""The example network: a small residual U-Net (Ronneberger et al., MICCAI
2015) that removes undersampling artefacts from a zero-filled magnitude
image — the image-domain post-processing approach of Jin et al., "Deep
convolutional neural network for inverse problems in imaging", IEEE TIP
26:4509, 2017, shrunk to train on two CPU cores in a few minutes. Two
poolings widen the receptive field so the network sees aliased copies far
away along the undersampled axis."""
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True))


class DealiasNet(nn.Module):
    def __init__(self, ch=16):
        super().__init__()
        self.e1, self.e2, self.e3 = block(1, ch), block(ch, 2 * ch), block(2 * ch, 4 * ch)
        self.d2, self.d1 = block(6 * ch, 2 * ch), block(3 * ch, ch)
        self.out = nn.Conv2d(ch, 1, 1)

    def forward(self, x):  # (batch, 1, y, x), y and x multiples of 4, scaled to ~[0, 1]
        a = self.e1(x)
        b = self.e2(F.max_pool2d(a, 2))
        c = self.e3(F.max_pool2d(b, 2))
        b = self.d2(torch.cat([F.interpolate(c, scale_factor=2.0), b], 1))
        a = self.d1(torch.cat([F.interpolate(b, scale_factor=2.0), a], 1))
        return x + self.out(a)


def normalise(img):
    """Scale by the 99th percentile so images of any range look alike."""
    s = float(np.percentile(img, 99)) or 1.0
    return img / s, s


def apply(net, img):
    """Run the network on one 2-D image of any size (reflect-padded to a
    multiple of 4, cropped back), in the image's own intensity units."""
    x, s = normalise(img)
    h, w = x.shape
    ph, pw = (-h) % 4, (-w) % 4
    x = np.pad(x, ((0, ph), (0, pw)), mode="reflect")
    with torch.no_grad():
        y = net(torch.tensor(x, dtype=torch.float32)[None, None])[0, 0].numpy()
    return np.clip(y[:h, :w], 0, None) * s
