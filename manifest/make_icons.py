"""Draw the Teams app icons: an eye (the "line of sight") in the app's accent colour.

Run ``python -m manifest.make_icons`` to regenerate ``color.png`` and ``outline.png``. The PNGs
are committed, so the package build never depends on this script; it exists so the icons can be
changed or reproduced rather than edited by hand.

Shapes are drawn as masks at ``SUPERSAMPLE`` times the final size and box-averaged down, which
gives clean anti-aliased edges without relying on Pillow's (non-anti-aliased) ellipse drawing.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

MANIFEST_DIR = Path(__file__).resolve().parent
SUPERSAMPLE = 8

# The accent colour in manifest.template.json; the icon's background must match it so the icon
# sits seamlessly on the tile Teams draws behind it.
ACCENT = (0x1B, 0x5E, 0x7A)
IRIS = (0xF2, 0xA9, 0x00)
WHITE = (255, 255, 255)

COLOR_SIZE = 192
OUTLINE_SIZE = 32


def _disc(size: int, cx: float, cy: float, radius: float) -> Image.Image:
    """A filled circle as an 8-bit mask on a ``size`` x ``size`` canvas."""
    mask = Image.new("L", (size, size), 0)
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    ImageDraw.Draw(mask).ellipse(box, fill=255)
    return mask


def _lens(size: int, width: float, height: float, inset: float = 0.0) -> Image.Image:
    """An eye-shaped lens (the overlap of two circles) centred on the canvas.

    For half-width a and half-height b, two circles of radius R whose centres sit d above and
    below the centre overlap in exactly that lens when R - d = b and R**2 - d**2 = a**2.
    Shrinking R by ``inset`` about the same centres gives the inner edge of an outline of
    (very nearly) constant stroke width.
    """
    a, b = width / 2, height / 2
    d = (a * a / b - b) / 2
    radius = b + d - inset
    centre = size / 2
    upper = _disc(size, centre, centre - d, radius)
    lower = _disc(size, centre, centre + d, radius)
    return ImageChops.multiply(upper, lower)


def _eye_outline(size: int, width: float, height: float, stroke: float) -> Image.Image:
    """The eye's outline: the lens minus a lens inset by ``stroke``."""
    outer = _lens(size, width, height)
    inner = _lens(size, width, height, inset=stroke)
    return ImageChops.subtract(outer, inner)


def _downsample(mask: Image.Image) -> Image.Image:
    """Box-average a supersampled mask to its final size (exact area coverage)."""
    return mask.reduce(SUPERSAMPLE)


def make_color_icon() -> Image.Image:
    """192x192 full-colour icon: white eye with an amber iris on the accent background."""
    s = COLOR_SIZE * SUPERSAMPLE
    centre = s / 2
    outline = _downsample(_eye_outline(s, width=0.74 * s, height=0.44 * s, stroke=0.055 * s))
    iris = _downsample(_disc(s, centre, centre, 0.13 * s))
    pupil = _downsample(_disc(s, centre, centre, 0.06 * s))
    glint = _downsample(_disc(s, centre + 0.035 * s, centre - 0.035 * s, 0.02 * s))

    icon = Image.new("RGB", (COLOR_SIZE, COLOR_SIZE), ACCENT)
    for colour, mask in ((WHITE, outline), (IRIS, iris), (ACCENT, pupil), (WHITE, glint)):
        icon = Image.composite(Image.new("RGB", icon.size, colour), icon, mask)
    return icon


def make_outline_icon() -> Image.Image:
    """32x32 outline icon: the same eye in white on a transparent background.

    Teams requires the outline icon to be white and transparent only, so every pixel's colour
    is pure white and the shape lives entirely in the alpha channel.
    """
    s = OUTLINE_SIZE * SUPERSAMPLE
    centre = s / 2
    eye = _eye_outline(s, width=0.88 * s, height=0.56 * s, stroke=0.075 * s)
    pupil = _disc(s, centre, centre, 0.15 * s)
    alpha = _downsample(ImageChops.lighter(eye, pupil))

    icon = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (*WHITE, 0))
    icon.putalpha(alpha)
    return icon


def write_icons(out_dir: Path = MANIFEST_DIR) -> tuple[Path, Path]:
    """Write ``color.png`` and ``outline.png`` into ``out_dir`` and return their paths."""
    color_path = out_dir / "color.png"
    outline_path = out_dir / "outline.png"
    make_color_icon().save(color_path, format="PNG", optimize=True)
    make_outline_icon().save(outline_path, format="PNG", optimize=True)
    return color_path, outline_path


if __name__ == "__main__":
    for path in write_icons():
        print(f"wrote {path}")
