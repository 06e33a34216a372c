"""Finding a sheet of paper in a photo of it lying on a darker desk, and cutting it out straight.

A phone photo of a whole page shows the desk around it. Read as it is, the bright sheet against
the dark desk is the biggest contrast in the picture, and the sheet itself is taken for one huge
mark. So the sheet is found first, the way document scanners do: Otsu's threshold splits the
picture into light and dark, the largest light region's outline (cv2.findContours) is simplified
to a polygon (cv2.approxPolyDP, Douglas-Peucker); a sheet is a large, convex, light region whose
outline runs mostly inside the picture (a desk shows on its sides) and whose surroundings are
clearly darker. A sheet with four corners is straightened by a perspective transform
(cv2.getPerspectiveTransform, cv2.warpPerspective); a sheet that leaves the picture on some side
is cut out along its outline, the desk replaced by the paper's brightness.

What is not a sheet: a plain photo of a digit (the light region is the whole picture, its outline
the picture's border), a shadow across the page (the lit part's outline is mostly the picture's
border, with one edge inside), light ink on a dark board (the light region is thin strokes, not
a convex region).
"""

from __future__ import annotations

import cv2
import numpy as np

WORK_SIDE = 320
"""The sheet is looked for on the photo shrunk to this many pixels on its longer side."""
MIN_SHEET_SHARE, MAX_SHEET_SHARE = 0.15, 0.95
"""A sheet covers at least and at most these shares of the photo."""
MIN_SOLIDITY = 0.95
"""Its area is at least this share of its convex hull's (a sheet is convex; strokes are not)..."""
MAX_CORNERS = 6
"""...and its outline, simplified (Douglas-Peucker, to 2 % of its length), has at most this many
corners: four, or a few more where the picture's border cuts the sheet (a light 0 or 8 has more)..."""
MIN_LIGHT_INSIDE = 0.8
"""...and at least this share of its hull is light (a sheet's writing covers little of it; the
outline of a light 0 or 8 on a dark board encloses their dark holes)..."""
MIN_DARK_INSIDE = 0.002
"""...but not all: at least this share of it is dark, the writing on the sheet (WRITING_CONTRAST
darker than the paper, on the shrunk photo before blurring)."""
WRITING_CONTRAST = 0.2
MAX_LIGHT_OUTSIDE = 0.1
"""At most this share of the photo outside the sheet is light: the desk is dark all round (in a
tight crop of a 0, the light inside its loop is no sheet: light paper lies outside the loop too)."""
MIN_INSIDE_OUTLINE = 0.65
"""At least this share of its outline runs inside the picture, off its border: there is desk on
its sides (the lit part of a page crossed by a shadow has one edge inside, the rest on the border)..."""
MIN_INSIDE_OUTLINE_SPLIT = 0.35
"""...or at least this share, in two or more separate runs: a sheet that leaves the picture at the
top and the bottom, with desk left and right of it (a shadow's edge is one run)."""
MIN_RUN = 0.05
"""Runs of the outline off the border shorter than this share of it are wiggles, not edges."""
MAX_DESK_TO_PAPER = 0.7
"""The desk around it is at most this share of the paper's brightness."""
INSET = 0.015
"""The sheet is cut this share of its size inside its outline, so that its blurred edge is not ink."""


def find_sheet(grey: np.ndarray) -> np.ndarray | None:
    """The sheet of paper in a photo, cut out and straightened (uint8 h x w), or None when the photo
    does not show a sheet on a darker desk (see the module's docstring).

    `grey`: H x W uint8, the photo in grey. The sheet keeps the photo's resolution.
    """
    scale = WORK_SIDE / max(grey.shape)
    small = cv2.resize(grey, (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA)
    sharp = _shrunk_keeping_strokes(grey, small.shape, scale)
    small = cv2.GaussianBlur(small, (0, 0), 1.5)
    threshold, light = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(light, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(outline)
    if not MIN_SHEET_SHARE * small.size <= area <= MAX_SHEET_SHARE * small.size:
        return None
    hull = cv2.convexHull(outline)
    if (area < MIN_SOLIDITY * cv2.contourArea(hull) or not _desk_on_its_sides(outline, small.shape)
            or len(cv2.approxPolyDP(outline, 0.02 * cv2.arcLength(outline, True), True)) > MAX_CORNERS):
        return None
    region = np.zeros_like(small)
    cv2.drawContours(region, [hull], -1, 255, -1)
    inside, outside = region > 0, region == 0
    inner = cv2.erode(region, np.ones((5, 5), np.uint8)) > 0
    light_inside, dark_inside = float(np.mean(light[inside] > 0)), _writing_share(sharp, inner)
    if (light_inside < MIN_LIGHT_INSIDE or dark_inside < MIN_DARK_INSIDE
            or np.mean(light[outside] > 0) > MAX_LIGHT_OUTSIDE
            or np.median(small[outside]) > MAX_DESK_TO_PAPER * np.median(small[inside])):
        return None
    corners = cv2.approxPolyDP(hull, 0.03 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(corners) == 4 and not _touches_border(corners, small.shape):
        return _straightened(grey, corners.astype(np.float32) / scale)
    return _cut_out(grey, hull.reshape(-1, 2).astype(np.float32) / scale)


def _shrunk_keeping_strokes(grey: np.ndarray, shape: tuple[int, int], scale: float) -> np.ndarray:
    """The photo shrunk to `shape` (uint8) after a grey-level erosion (a minimum filter) about one
    shrunk pixel wide, so that a pen stroke thinner than a shrunk pixel stays dark instead of being
    averaged into the paper (a 12 MP photo's normal-size digit: strokes of 25 px, 2 px once shrunk)."""
    side = max(1, round(1 / scale))
    darkest = cv2.erode(grey, np.ones((side, side), np.uint8)) if side > 1 else grey
    return cv2.resize(darkest, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


def _writing_share(sharp: np.ndarray, inner: np.ndarray) -> float:
    """The share of the region `inner` (H x W bool) of the shrunk, unblurred photo `sharp` (uint8) that
    is WRITING_CONTRAST darker than the paper there (its median): a normal-size digit's strokes are a
    pixel or two wide at WORK_SIDE, lighter than Otsu's desk-versus-paper threshold once blurred
    (`sharp` comes from `_shrunk_keeping_strokes`)."""
    if not inner.any():
        return 0.0
    paper = float(np.median(sharp[inner]))
    return float(np.mean(sharp[inner] < (1 - WRITING_CONTRAST) * paper))


def _desk_on_its_sides(outline: np.ndarray, shape: tuple[int, int]) -> bool:
    """True when enough of an outline (N x 1 x 2, every pixel, as cv2.CHAIN_APPROX_NONE gives) runs
    off the picture's border: MIN_INSIDE_OUTLINE of it, or MIN_INSIDE_OUTLINE_SPLIT in two runs."""
    points = outline.reshape(-1, 2)
    height, width = shape
    inside = ~((points[:, 0] <= 1) | (points[:, 0] >= width - 2) | (points[:, 1] <= 1) | (points[:, 1] >= height - 2))
    share = float(np.mean(inside))
    if share >= MIN_INSIDE_OUTLINE or share < MIN_INSIDE_OUTLINE_SPLIT or inside.all():
        return share >= MIN_INSIDE_OUTLINE
    start = int(np.argmin(inside))  # begin on the border, so no run wraps around the end
    rolled = np.roll(inside, -start).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.r_[0, rolled, 0]))
    runs = edges[1::2] - edges[::2]
    return int(np.sum(runs >= MIN_RUN * len(points))) >= 2


def _touches_border(corners: np.ndarray, shape: tuple[int, int]) -> bool:
    height, width = shape
    return bool(np.any((corners[:, 0] <= 1) | (corners[:, 0] >= width - 2)
                       | (corners[:, 1] <= 1) | (corners[:, 1] >= height - 2)))


def _ordered(corners: np.ndarray) -> np.ndarray:
    """Four corners (4 x 2) as top-left, top-right, bottom-right, bottom-left."""
    sums, differences = corners.sum(axis=1), corners[:, 1] - corners[:, 0]
    return np.float32([corners[np.argmin(sums)], corners[np.argmin(differences)],
                       corners[np.argmax(sums)], corners[np.argmax(differences)]])


def _straightened(grey: np.ndarray, corners: np.ndarray) -> np.ndarray | None:
    """The quadrilateral `corners` (4 x 2 float32, photo pixels) mapped to an upright rectangle of
    about its own size, INSET trimmed from every side."""
    tl, tr, br, bl = _ordered(corners)
    if len({tuple(p) for p in (tl, tr, br, bl)}) < 4:
        return None
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    if min(width, height) < 8:
        return None
    margin_x, margin_y = INSET * width, INSET * height
    target = np.float32([[-margin_x, -margin_y], [width + margin_x, -margin_y],
                         [width + margin_x, height + margin_y], [-margin_x, height + margin_y]])
    matrix = cv2.getPerspectiveTransform(np.float32([tl, tr, br, bl]), target)
    return cv2.warpPerspective(grey, matrix, (round(width), round(height)), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def _cut_out(grey: np.ndarray, hull: np.ndarray) -> np.ndarray:
    """The sheet's bounding box, what lies outside its outline (hull: N x 2, photo pixels) painted in
    the paper's brightness; the outline is pulled in by INSET of the sheet's size first."""
    x, y, w, h = cv2.boundingRect(hull.astype(np.int32))
    centre = hull.mean(axis=0)
    inner = centre + (hull - centre) * (1 - 2 * INSET)
    mask = np.zeros(grey.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(inner).astype(np.int32)], 255)
    crop, inside = grey[y : y + h, x : x + w], mask[y : y + h, x : x + w] > 0
    if not inside.any():
        return crop.copy()
    return np.where(inside, crop, _paper_around(crop, inside)).astype(np.uint8)


def _paper_around(crop: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """The paper's brightness (float32, crop's shape) carried from the sheet (`inside`, bool) out over
    the desk by normalised convolution (a wide Gaussian of the sheet's pixels over one of its mask,
    on the crop shrunk 8 times): the edge of the cut-out keeps the sheet's light and shade there, so
    neither the painted desk nor the sheet's edge looks like ink or like paper of another tone."""
    factor = 8
    size = (max(1, crop.shape[1] // factor), max(1, crop.shape[0] // factor))
    weight = cv2.resize(inside.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    values = cv2.resize(np.where(inside, crop, 0).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    sigma = max(1.0, 0.03 * max(size))
    spread = cv2.GaussianBlur(values, (0, 0), sigma) / np.maximum(cv2.GaussianBlur(weight, (0, 0), sigma), 1e-3)
    spread = np.where(cv2.GaussianBlur(weight, (0, 0), sigma) > 1e-3, spread, float(np.median(crop[inside])))
    return cv2.resize(spread, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR)
