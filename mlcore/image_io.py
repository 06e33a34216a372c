"""Reading a picture of a digit that a user uploads: any picture Pillow opens, or a reason why not.

Two steps. `decode_picture` turns file bytes into 8-bit grey pixels: every mode Pillow opens
(1-bit, 8- and 16-bit grey, palette with transparency, RGB, RGBA, CMYK, the first frame of an
animation), turned the way its EXIF orientation says, with transparent areas made background
whatever the ink's colour. A phone's 12-48 megapixel photo is shrunk while it is decoded (a JPEG
by its decoder's DCT scaling, `Image.draft`; other formats by `Image.reduce`) to about
DECODE_SIDE pixels a side, far more than a digit needs. Size limits are checked on the header,
before anything is decoded, so a small file that unpacks to a huge picture (a decompression bomb)
is refused cheaply.

`clean_photo` then finds the ink on unevenly lit paper, drops stray marks (a shadow's corner, the
page's edge), and says when the picture holds texture or noise rather than ink: the Draw page
and the Write a number page both clean photos with it, so they agree on what the ink is.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image

from mlcore.paper import find_sheet
from mlcore.ruled import without_ruled_lines

MAX_MEGABYTES = 25
"""The one upload limit: pictures up to this many MB are read (a 48 MP phone JPEG is 10-20 MB).
The uploaders state it and refuse bigger files in the browser (.streamlit/config.toml's
server.maxUploadSize agrees); a bigger file that reaches this module anyway is refused with a
message saying so."""
MAX_BYTES = MAX_MEGABYTES * 2**20
MAX_MEGAPIXELS = 100
"""Pictures up to this many megapixels are read (phones make 12-48, a few 108 or 200: shrink those)."""
MAX_PIXELS = MAX_MEGAPIXELS * 1_000_000
DECODE_SIDE = 1024
"""Larger pictures are shrunk while decoding to between this and twice this many pixels on their
longer side: memory stays small (a 48 MP JPEG decodes at 1/4 scale) and the ink is cleaned at
280-700 px anyway."""
MIN_SIDE = 8
"""A picture under this many pixels on its longer side is too small to hold a digit."""
MAX_ASPECT = 20
"""A picture longer than this many times its width (or the other way round) holds no digit."""
WORK_SIDE = 280
PAPER_KERNEL_SHARE = 0.3
"""The first closing that estimates the paper is this share of the picture's longer side."""
WIDEST_STROKE_TO_KERNEL = 2.5
"""The second closing's kernel is this many times the widest stroke the first one found (a stroke
touching the edge is mirrored to twice its width)..."""
MIN_KERNEL_SHARE, MAX_KERNEL_SHARE = 0.12, 0.7
"""...but at least and at most these shares of the longer side: a narrow kernel follows shadow
edges closely, a wide one lifts out the strokes of a bold digit in a tight crop."""
MIN_INK_CONTRAST = 0.12
"""Ink is at least this much darker than its paper (as a share of the paper's brightness)."""
MIN_INK_STEP = 12
"""...and at least this many grey levels (of 255) darker: sensor noise on dim paper is not ink."""
SHADOW_SPLIT = 0.5
"""Otsu's border vote abstains when one of its two classes splits again into two this far apart
(as a share of the first split): paper in light and paper in shadow, not paper and ink."""
BORDER_BAND = 0.1
"""A mark touching the picture's border with at least BORDER_BAND_INK of its ink within this share
of the picture's width (height) from the borders it touches, and running along one of them for at
least BORDER_BAND_RUN of its length (or BORDER_BAND_ASPECT times longer along it than across), is
background, not ink: a band of desk beside a page that fills the photo, the shadow of the page's
edge (a digit cropped tight touches the border too, but most of its ink lies away from it)."""
BORDER_BAND_INK = 0.9
BORDER_BAND_RUN = 0.25
BORDER_BAND_ASPECT = 3
MIN_PART_SHARE = 0.04
"""Marks smaller than this share of the largest mark's ink are specks and dropped."""
MAIN_MARK_SIDE = 0.5
"""Marks whose longer side is at least this share of the heaviest mark's (the one with the most
ink) are digits or parts of one, and kept; smaller marks are kept only when they lie within..."""
NEAR_MARK_GAP = 0.3
"""...this share of the heaviest mark's longer side from a kept mark (a 5's flag, a broken stroke).
Farther small marks are strays: where a shadow edge or the page's edge meets the picture's border,
dirt, a dot."""
TEXTURE_MARKS = 8
"""A picture with this many marks or more is texture or noise when they are scattered over it
rather than set in a row (their centres spread more, up and down, than a mark is tall)..."""
TEXTURE_INK_SHARE = 0.35
"""...or when they cover more than this share of the picture (wood grain, fabric, gravel)..."""
TEXTURE_HOLES_PER_MARK = 3
"""...or when its marks have more than this many holes each (a digit has at most two, an 8's
loops; noise thresholded at a finer scale is one web of ink full of holes)..."""
MIN_HOLE_SHARE = 0.0005
"""...counting holes of at least this share of the picture's area (a stroke speckled by a shadow
edge has many tiny ones)."""
FAINT_STEP = 3.0
"""Marks at least this many grey levels darker than the paper around them (after a blur that
averages sensor noise away), and at least FAINT_NOISE times the noise, are faint ink..."""
FAINT_NOISE = 4.0
FAINT_MARK_SIDE = 0.1
"""...when one of them is at least this share of the picture's longer side: faint writing that the
cleaning, which asks for MIN_INK_STEP, does not take for ink."""
TOO_FAINT = ("The ink is too faint to read: there is too little contrast between the writing and the paper. "
             "Go over the digits with a darker pen, or take the photo in brighter, even light, "
             "and upload it again.")
NO_CLEAR_DIGIT = ("No clear digit in the picture: it looks like texture or noise, not ink on paper. "
                  "Take a close photo of digits written dark on light paper.")


class UploadError(ValueError):
    """The upload is not a picture this app can read; the message says why, for the user."""


def decode_picture(data: bytes) -> np.ndarray:
    """8-bit grey pixels (H x W uint8) of a picture file, transparent areas as background.

    Raises UploadError, with a message for the user, for anything that is not a readable picture
    of sensible size: not a picture, damaged or truncated, over MAX_BYTES, over MAX_PIXELS pixels,
    under MIN_SIDE pixels, or longer than MAX_ASPECT times its width. Pictures over DECODE_SIDE
    pixels a side come back shrunk to about DECODE_SIDE (see the module's docstring).
    """
    if not data:
        raise UploadError("That file is empty.")
    if len(data) > MAX_BYTES:
        raise UploadError(f"That file is {len(data) / 2**20:.1f} MB; pictures up to {MAX_MEGABYTES} MB are read.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # MAX_PIXELS is checked below
            with Image.open(io.BytesIO(data)) as picture:
                _check_size(*picture.size)
                orientation = _orientation(picture)
                grey, alpha = _grey_and_alpha(_upright(_shrunk_while_decoding(picture), orientation))
    except UploadError:
        raise
    except Image.DecompressionBombError as error:  # Pillow's own guard, at twice Image.MAX_IMAGE_PIXELS
        raise UploadError(_too_many_pixels_message(None)) from error
    except Exception as error:  # Pillow raises many kinds of error on damaged files; all mean the same here
        raise UploadError("That file is not a picture this app can read (or it is damaged).") from error
    return _composite(grey, alpha)


@dataclass(frozen=True)
class CleanPhoto:
    """A photo's ink, cleaned: `ink` is side x side uint8 (0 = paper, the picture centred), and
    `problem` says why no digit can be read in it (texture or noise, too faint), else None."""

    ink: np.ndarray
    problem: str | None = None
    sheet: np.ndarray | None = None
    """The sheet of paper cut out of a photo of a page on a desk, straightened (grey uint8), if any."""
    marks: np.ndarray | None = None
    """The ink before specks and strays were dropped (as `ink`, unscaled): where small marks such
    as a decimal point are looked for."""

    @property
    def canvas(self) -> np.ndarray:
        """The ink as white-on-black canvas pixels (side x side x 4 uint8 RGBA)."""
        return cv2.cvtColor(self.ink, cv2.COLOR_GRAY2RGBA)


def photo_to_canvas(picture: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    """A photo's digit as clean white-on-black canvas pixels (side x side x 4 uint8 RGBA).

    `picture` is grey (H x W uint8, as from decode_picture) or RGB/RGBA. See `clean_photo`.
    """
    return clean_photo(picture, side).canvas


def clean_ink(picture: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    """How much ink each pixel of a photo holds (side x side uint8, 0 = paper): `clean_photo`'s ink."""
    return clean_photo(picture, side).ink


def clean_photo(picture: np.ndarray, side: int = WORK_SIDE) -> CleanPhoto:
    """A photo's ink, cleaned, the one way every page cleans photos (side x side uint8 ink).

    Which of ink and paper is darker is decided first (`ink_is_dark`). The paper's brightness is
    then estimated at every pixel by a morphological closing (a max filter, then a min filter)
    wider than any stroke, on the picture mirrored at its edges (cv2.copyMakeBorder): a closing
    keeps shadow edges and gradients where they are and lifts strokes out, mirroring keeps a
    shadow at the edge a shadow, and the kernel is sized from the widest stroke (a first pass
    finds it), so that a bold stroke touching the edge, mirrored to twice its width, is lifted
    out too. The ink is the share of the paper's brightness each pixel lacks, the same in shadow
    and in light. Faint marks (under MIN_INK_CONTRAST or half Otsu's threshold) and specks go,
    and so do stray marks: small ones far from the digit (see MAIN_MARK_SIDE, NEAR_MARK_GAP; the
    rule of small far pieces in Casey & Lecolinet's segmentation survey, as `mlcore.segment` uses).
    Many marks scattered over the picture, or covering much of it, are texture or noise: the ink
    is returned as found, with `problem` saying so.

    A photo of a whole sheet lying on a darker desk is first cut down to the sheet, straightened
    (`mlcore.paper.find_sheet`), unless no ink is found on it.
    """
    grey = _as_grey(picture)
    sheet = find_sheet(grey)
    if sheet is not None:
        on_sheet = _clean(sheet, side)
        if on_sheet.ink.any():
            return replace(on_sheet, sheet=sheet)
    return _clean(grey, side)


def _clean(grey: np.ndarray, side: int) -> CleanPhoto:
    """`clean_photo` on a picture already known to be the paper (grey H x W uint8)."""
    grey = grey.astype(np.float32)
    scale = side / max(grey.shape)
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    grey = cv2.GaussianBlur(grey, (0, 0), 0.8)
    if not ink_is_dark(grey):
        grey = 255 - grey
    first = _ink_against_paper(grey, int(PAPER_KERNEL_SHARE * side) | 1)
    kernel = int(np.clip(WIDEST_STROKE_TO_KERNEL * _widest_stroke(first), MIN_KERNEL_SHARE * side,
                         MAX_KERNEL_SHARE * side)) | 1
    marks = _without_border_bands(without_ruled_lines(_ink_against_paper(grey, kernel)))
    ink = _drop_specks(marks)
    problem = NO_CLEAR_DIGIT if _looks_like_texture(ink) else None
    if problem is None:
        ink = _drop_strays(ink)
    if not ink.any() and _has_faint_marks(grey, kernel):
        problem = TOO_FAINT
    if ink.max() > 0:
        ink = cv2.normalize(ink, None, 0, 255, cv2.NORM_MINMAX)
    h, w = ink.shape
    top, left = (side - h) // 2, (side - w) // 2
    ink, marks = (cv2.copyMakeBorder(image, top, side - h - top, left, side - w - left, cv2.BORDER_CONSTANT, value=0)
                  for image in (ink, marks))
    return CleanPhoto(ink, problem, marks=marks)


def _ink_against_paper(grey: np.ndarray, kernel: int) -> np.ndarray:
    """Ink as the share of the paper's brightness a pixel lacks, paper from a `kernel`-wide closing."""
    padded = cv2.copyMakeBorder(grey, kernel, kernel, kernel, kernel, cv2.BORDER_REFLECT)
    paper = _closing(padded, kernel)[kernel:-kernel, kernel:-kernel]
    contrast = np.where(paper - grey >= MIN_INK_STEP, 1 - grey / np.maximum(paper, 1), 0)
    ink = np.clip(contrast * 255, 0, 255).astype(np.uint8)
    threshold, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink[ink < max(threshold / 2, MIN_INK_CONTRAST * 255)] = 0
    return ink


def _has_faint_marks(grey: np.ndarray, kernel: int) -> bool:
    """True when the picture (float32 H x W, ink dark) holds a mark too faint to be taken for ink
    but clearly more than noise: see FAINT_STEP, FAINT_NOISE, FAINT_MARK_SIDE. Looked for at
    WORK_SIDE pixels, where an enlarged picture's noise is not smoothed into blobs."""
    scale = min(1.0, WORK_SIDE / max(grey.shape))
    grey = cv2.resize(grey, (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale))),
                      interpolation=cv2.INTER_AREA)
    kernel = max(3, int(kernel * scale) | 1)
    smooth = cv2.GaussianBlur(grey, (0, 0), 2.0)
    noise = 1.4826 * float(np.median(np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 1.0))))  # MAD -> sigma
    padded = cv2.copyMakeBorder(smooth, kernel, kernel, kernel, kernel, cv2.BORDER_REFLECT)
    paper = _closing(padded, kernel)[kernel:-kernel, kernel:-kernel]
    marks = ((paper - smooth) >= max(FAINT_STEP, FAINT_NOISE * noise)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(marks, connectivity=8)
    sides = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    return bool(count > 1 and sides.max() >= FAINT_MARK_SIDE * max(grey.shape))


def _closing(image: np.ndarray, kernel: int) -> np.ndarray:
    """Morphological closing by a disc about `kernel` px wide, as steps of a 9 px disc (far faster)."""
    steps = max(1, -(-(kernel - 1) // 8))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    closed = cv2.morphologyEx(np.clip(image, 0, 255).astype(np.uint8), cv2.MORPH_CLOSE, disc, iterations=steps)
    return closed.astype(np.float32)


def _widest_stroke(ink: np.ndarray) -> float:
    """The width of the ink's widest strokes (px): the 99th percentile of twice the distance from
    an ink pixel to paper, so that a corner or a blot does not count."""
    mask = cv2.copyMakeBorder((ink > 0).astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    distances = cv2.distanceTransform(mask, cv2.DIST_L2, 5)[mask > 0]
    return 2.0 * float(np.percentile(distances, 99)) if distances.size else 0.0


def ink_is_dark(grey: np.ndarray) -> bool:
    """True when the ink is darker than the paper (grey: H x W, float or uint8, 0-255).

    Four estimates vote, none of them a single median. Two local ones compare each pixel with the
    median of a window around it, a quarter and a half of the picture wide (a median keeps
    shadow edges and gradients where they are): strokes stand out from their surroundings on the
    ink's side. Two read the border, where the paper is: Otsu's threshold splits the picture, or
    the picture divided by its local median, into two classes, and the paper is the class most
    of the border belongs to; the first counts twice, but abstains when one of its classes is
    itself two (paper in light and in shadow). A tight crop of a bold digit fools the local
    votes, a shadow the border votes; a tie goes to dark ink, the usual case.
    """
    grey8 = np.clip(grey, 0, 255).astype(np.uint8)
    small = cv2.resize(grey8, (max(1, grey8.shape[1] // 2), max(1, grey8.shape[0] // 2)), interpolation=cv2.INTER_AREA)
    border = _border_vote(small)
    votes = [_local_vote(small, 0.25), _local_vote(small, 0.5), border, border,
             _border_vote(_flattened(small, 0.5))]
    return votes.count(True) >= votes.count(False)


def _local_median(grey8: np.ndarray, share: float) -> np.ndarray:
    window = min(int(share * max(grey8.shape)) | 1, 255)
    padded = cv2.copyMakeBorder(grey8, window, window, window, window, cv2.BORDER_REFLECT)
    return cv2.medianBlur(padded, window)[window:-window, window:-window]


def _flattened(grey8: np.ndarray, share: float) -> np.ndarray:
    """The picture divided by its local median, on a 0-255 scale with the median at 128."""
    ratio = grey8.astype(np.float32) / np.maximum(_local_median(grey8, share), 1)
    return np.clip(ratio * 128, 0, 255).astype(np.uint8)


def _local_vote(grey8: np.ndarray, share: float) -> bool | None:
    """True when clearly more pixels stand out darker than the median around them than lighter."""
    difference = grey8.astype(np.int16) - _local_median(grey8, share)
    spread = np.percentile(np.abs(difference), 99)
    if spread < MIN_INK_STEP:
        return None
    darker, lighter = int((difference < -spread / 2).sum()), int((difference > spread / 2).sum())
    if max(darker, lighter) < 0.7 * (darker + lighter):
        return None
    return darker > lighter


def _border_vote(grey8: np.ndarray) -> bool | None:
    """True (dark ink) when most of the border is on Otsu's light side, False when most is dark."""
    threshold, _ = cv2.threshold(grey8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    light = grey8 > threshold
    if light.all() or not light.any():
        return None
    separation = grey8[light].mean() - grey8[~light].mean()
    if separation < MIN_INK_STEP or max(_split(grey8[light]), _split(grey8[~light])) > SHADOW_SPLIT * separation:
        return None
    light_share = float(np.mean(_border(grey8) > threshold))
    if light_share >= 0.6:
        return True
    if light_share <= 0.4:
        return False
    return None


def _split(values: np.ndarray) -> float:
    """How far apart the two classes Otsu's threshold finds in `values` (uint8) are, in grey levels."""
    if values.size < 2 or values.min() == values.max():
        return 0.0
    threshold, _ = cv2.threshold(values.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    upper = values > threshold
    if upper.all() or not upper.any():
        return 0.0
    return float(values[upper].mean() - values[~upper].mean())


def _border(image: np.ndarray) -> np.ndarray:
    """The pixels of a ring along the edge, 2 % of the longer side wide (at least one pixel)."""
    width = max(1, round(0.02 * max(image.shape)))
    return np.concatenate([image[:width].ravel(), image[-width:].ravel(),
                           image[:, :width].ravel(), image[:, -width:].ravel()])


def _without_border_bands(ink: np.ndarray) -> np.ndarray:
    """The ink (H x W uint8) without marks that are bands along the picture's border (BORDER_BAND)."""
    labels, stats, _ = _marks(ink)
    height, width = ink.shape
    band_x, band_y = max(2, BORDER_BAND * width), max(2, BORDER_BAND * height)
    ys, xs = np.mgrid[0:height, 0:width]
    drop = np.zeros(len(stats) + 1, bool)
    for index, (x, y, w, h, _) in enumerate(stats, 1):
        along_y = h >= BORDER_BAND_RUN * height or h >= BORDER_BAND_ASPECT * w
        along_x = w >= BORDER_BAND_RUN * width or w >= BORDER_BAND_ASPECT * h
        sides = [(x == 0, xs < band_x, along_y), (x + w == width, xs >= width - band_x, along_y),
                 (y == 0, ys < band_y, along_x), (y + h == height, ys >= height - band_y, along_x)]
        touched = [(near, long) for touches, near, long in sides if touches]
        if not touched or not any(long for _, long in touched):
            continue
        mine = labels[y : y + h, x : x + w] == index
        near = np.logical_or.reduce([near[y : y + h, x : x + w] for near, _ in touched])
        drop[index] = float(np.mean(near[mine])) >= BORDER_BAND_INK
    return np.where(drop[labels], 0, ink).astype(np.uint8) if drop.any() else ink


def _drop_specks(ink: np.ndarray) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8), connectivity=8)
    if count <= 2:
        return ink
    masses = np.bincount(labels.ravel(), weights=ink.ravel().astype(np.float64), minlength=count)
    masses[0] = 0
    keep = masses >= MIN_PART_SHARE * masses.max()
    keep[0] = False
    return np.where(keep[labels], ink, 0).astype(np.uint8)


def _marks(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ink's marks (8-connected): labels (H x W int32, 0 = paper), their stats (N x 5, as
    cv2.connectedComponentsWithStats gives, paper's row dropped) and their ink (N,) float64."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8), connectivity=8)
    masses = np.bincount(labels.ravel(), weights=ink.ravel().astype(np.float64), minlength=count)
    return labels, stats[1:], masses[1:]


def _looks_like_texture(ink: np.ndarray) -> bool:
    """Marks full of holes, or many marks scattered over the picture (not in a row of digits) or
    covering much of it."""
    _, stats, _ = _marks(ink)
    if _holes(ink) > TEXTURE_HOLES_PER_MARK * max(1, len(stats)):
        return True
    if len(stats) < TEXTURE_MARKS:
        return False
    heights = stats[:, cv2.CC_STAT_HEIGHT]
    centres = stats[:, cv2.CC_STAT_TOP] + heights / 2
    scattered = float(np.std(centres)) > float(np.median(heights))
    return scattered or float(np.mean(ink > 0)) > TEXTURE_INK_SHARE


def _holes(ink: np.ndarray) -> int:
    """How many holes of at least MIN_HOLE_SHARE of the picture the ink's marks have (inner
    contours: cv2.RETR_CCOMP's second level)."""
    contours, hierarchy = cv2.findContours((ink > 0).astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return 0
    smallest = MIN_HOLE_SHARE * ink.size
    return sum(1 for contour, links in zip(contours, hierarchy[0])
               if links[3] != -1 and cv2.contourArea(contour) >= smallest)


def _drop_strays(ink: np.ndarray) -> np.ndarray:
    """The ink without its stray marks: small marks far from every kept mark (see NEAR_MARK_GAP)."""
    labels, stats, masses = _marks(ink)
    if len(stats) < 2:
        return ink
    sides = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    reference = sides[int(np.argmax(masses))]
    kept = sides >= MAIN_MARK_SIDE * reference
    grew = True
    while grew:  # a mark near a kept mark is kept, and may bring in the next one (a flag in bits)
        grew = False
        for mark in np.flatnonzero(~kept):
            if min(_gap(stats[mark], stats[other]) for other in np.flatnonzero(kept)) <= NEAR_MARK_GAP * reference:
                kept[mark] = grew = True
    if kept.all():
        return ink
    return np.where(np.r_[False, kept][labels], ink, 0).astype(np.uint8)


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """The distance (px) between two marks' boxes (stats rows: x, y, width, height, area); 0 if they overlap."""
    dx = max(0, max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2]))
    dy = max(0, max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3]))
    return float(np.hypot(dx, dy))


def _too_many_pixels_message(size: tuple[int, int] | None) -> str:
    what = ("That picture has too many pixels" if size is None else
            f"That picture is {size[0]}×{size[1]} pixels, {size[0] * size[1] / 1e6:.0f} megapixels: too many")
    return (f"{what} to read safely; pictures up to {MAX_MEGAPIXELS} megapixels are read. "
            "Crop it to the digit or shrink it, then upload it again.")


def _shrunk_while_decoding(picture: Image.Image) -> Image.Image:
    """The picture decoded at about DECODE_SIDE pixels on its longer side when it is larger: a JPEG
    by its decoder's DCT scaling (`Image.draft`, 1/2 to 1/8, before decoding), then any picture by
    `Image.reduce`'s integer box filter (Pillow's docs: "Image.draft", "Image.reduce")."""
    picture.seek(0)
    if max(picture.size) <= DECODE_SIDE:
        return picture
    if picture.format == "JPEG":
        factor = max(picture.size) // DECODE_SIDE
        picture.draft(None, (-(-picture.size[0] // factor), -(-picture.size[1] // factor)))
    picture.load()
    factor = max(picture.size) // DECODE_SIDE
    if factor < 2:
        return picture
    try:
        return picture.reduce(factor)
    except ValueError:  # a mode reduce does not take (palette, 1-bit, 16-bit grey, CMYK)
        target = "I" if picture.mode.startswith("I") else "L" if picture.mode == "1" else "RGBA"
        return picture.convert(target).reduce(factor)


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise UploadError(_too_many_pixels_message((width, height)))
    if max(width, height) < MIN_SIDE:
        raise UploadError(f"That picture is only {width}×{height} pixels, too small to hold a digit.")
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise UploadError(f"That picture is {width}×{height} pixels, too long and thin to hold a digit: "
                          f"crop it closer to the digit (at most {MAX_ASPECT}:1).")


_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
              7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
"""EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose does)."""


def _orientation(picture: Image.Image) -> int:
    """The EXIF orientation tag (1-8; 1 when missing or unreadable: the pixels may still be fine)."""
    try:
        return int(picture.getexif().get(0x0112, 1))
    except Exception:  # a damaged EXIF block
        return 1


def _upright(picture: Image.Image, orientation: int) -> Image.Image:
    """The picture turned as its EXIF orientation says (read before shrinking, which drops the EXIF)."""
    turn = _TRANSPOSE.get(orientation)
    return picture if turn is None else picture.transpose(turn)


def _grey_and_alpha(picture: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Grey (float32, 0-255) and opacity (float32, 0-1, or None when opaque) of any Pillow mode."""
    picture.load()
    if picture.mode.startswith("I") or picture.mode == "F":
        return _to_8bit_range(np.asarray(picture), picture.mode), None
    if picture.mode in ("L", "RGB"):  # opaque: no RGBA copy (Pillow's L is ITU-R 601-2 luma, as OpenCV's)
        return np.asarray(picture.convert("L"), dtype=np.float32), None
    rgba = np.asarray(picture.convert("RGBA"))
    grey = cv2.cvtColor(np.ascontiguousarray(rgba[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    alpha = rgba[..., 3]
    return grey, None if alpha.min() == 255 else alpha.astype(np.float32) / 255


def _to_8bit_range(values: np.ndarray, mode: str) -> np.ndarray:
    """16-bit, 32-bit integer and float grey on the 0-255 scale."""
    values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if mode.startswith("I;16"):
        return (values / 257).astype(np.float32)
    low, high = float(values.min()), float(values.max())
    if mode == "F" and low >= 0 and high <= 1:
        return (values * 255).astype(np.float32)
    if low >= 0 and high <= 255:
        return values.astype(np.float32)
    if low >= 0 and high <= 65535:
        return (values / 257).astype(np.float32)
    return ((values - low) / max(high - low, 1e-12) * 255).astype(np.float32)


def _composite(grey: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """Grey laid on a background: transparent areas become background whatever the ink's colour.

    When most of the picture is transparent, or what is opaque is all one tone (a bold drawing in
    one colour covering most of it), what is opaque is the drawing: it is laid on white if it is
    dark and on black if it is light. Otherwise the opaque part is paper with ink on it and
    transparent areas take the paper's brightness (the opaque pixels' median).
    """
    if alpha is None:
        return np.clip(np.round(grey), 0, 255).astype(np.uint8)
    opaque = alpha > 0.5
    if opaque.mean() < 0.5 or _one_tone(grey[opaque]):
        weight = alpha.sum()
        drawing = float((grey * alpha).sum() / weight) if weight > 0 else 0.0
        background = 255.0 if drawing < 128 else 0.0
    else:
        background = float(np.median(grey[opaque]))
    return np.clip(np.round(grey * alpha + background * (1 - alpha)), 0, 255).astype(np.uint8)


def _one_tone(values: np.ndarray) -> bool:
    """True when grey values (float, 0-255) all lie within 2 * MIN_INK_STEP (5th to 95th percentile)."""
    return values.size > 0 and float(np.percentile(values, 95) - np.percentile(values, 5)) < 2 * MIN_INK_STEP


def _as_grey(picture: np.ndarray) -> np.ndarray:
    """Grey uint8 from grey, RGB or RGBA pixels (RGBA composited as decode_picture does)."""
    picture = np.asarray(picture)
    if picture.ndim == 2:
        return picture.astype(np.uint8) if picture.dtype != np.uint8 else picture
    if picture.ndim == 3 and picture.shape[2] in (3, 4):
        grey = cv2.cvtColor(np.ascontiguousarray(picture[..., :3]).astype(np.uint8), cv2.COLOR_RGB2GRAY)
        alpha = picture[..., 3].astype(np.float32) / 255 if picture.shape[2] == 4 else None
        if alpha is not None and alpha.min() == 1:
            alpha = None
        return _composite(grey.astype(np.float32), alpha)
    raise ValueError(f"expected an H x W grey, RGB or RGBA picture, got shape {picture.shape}")
