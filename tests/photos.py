"""Pictures built exactly as issue 10 describes them, for the tests of the picture reader."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SEVEN = np.array([[80, 60], [200, 60], [120, 230]])
ONE = np.array([[140, 40], [140, 240]])
THREE = np.array([[120, 90], [200, 60], [270, 100], [260, 170], [190, 200], [270, 240], [280, 310],
                  [200, 345], [120, 320]])


def png_bytes(pixels: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", **options)
    return buffer.getvalue()


def encoded(picture: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=format, **options)
    return buffer.getvalue()


def sixteen_bit_three(bits: int = 16) -> bytes:
    """A 3 in 30*257 with a 24 px pen on 400x400 paper at 226*257, as a 16-bit (or 8-bit) PNG."""
    picture = np.full((400, 400), 226, np.float64)
    cv2.polylines(picture, [THREE], False, 30, 24, cv2.LINE_AA)
    if bits == 8:
        return png_bytes(picture.astype(np.uint8))
    return png_bytes((picture * 257).astype(np.uint16))


def ink_on_transparent(points: np.ndarray, ink: int = 255) -> np.ndarray:
    """280x280 RGBA: transparent black background, a polyline in `ink` with pen 20, alpha = coverage."""
    coverage = np.zeros((280, 280), np.uint8)
    cv2.polylines(coverage, [points], False, 255, 20, cv2.LINE_AA)
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., :3] = np.where(coverage[..., None] > 0, ink, 0)
    rgba[..., 3] = coverage
    return rgba


def bold_tight_seven() -> np.ndarray:
    """A dark 7 (ink 25) on paper 210 cropped tight to 91x123 px, its ink covering 55 % of the picture."""
    for pen in range(40, 120, 2):
        picture = np.full((600, 600), 210, np.uint8)
        cv2.polylines(picture, [SEVEN + 150], False, 25, pen, cv2.LINE_AA)
        ys, xs = np.nonzero(picture < 200)
        crop = cv2.resize(picture[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], (91, 123),
                          interpolation=cv2.INTER_AREA)
        if (crop < 118).mean() >= 0.55:
            return crop
    raise AssertionError("no pen width gives 55 % ink")


def _printed_digit(text: str, width: int, height: int, scale: float, thickness: int) -> np.ndarray:
    """Ink coverage (H x W uint8) of `text` printed in OpenCV's Hershey simplex font, centred."""
    mask = np.zeros((height, width), np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    (text_w, text_h), _ = cv2.getTextSize(text, font, scale, thickness)
    cv2.putText(mask, text, ((width - text_w) // 2, (height + text_h) // 2), font, scale, 255, thickness, cv2.LINE_AA)
    return mask


def shadow_photo(digit: int, tilt: float = 6, ink=(35, 35, 45), seed: int = 7, width: int = 900,
                 height: int = 1200) -> bytes:
    """A phone photo (JPEG, quality 80) of a printed digit, tilted by `tilt` degrees, on paper lit
    unevenly (a gradient to 55 %) with a hard shadow edge running diagonally across the digit (the
    shadowed side at 45 %) and out through the picture's top-left border: the reviewer's photos of
    issue 10's follow-up, where the shadow's corner was left as a blob in the cleaned ink."""
    rng = np.random.default_rng(seed)
    mask = _printed_digit(str(digit), width, height, width / 50, max(8, width // 40))
    mask = cv2.warpAffine(mask, cv2.getRotationMatrix2D((width / 2, height / 2), tilt, 1.0), (width, height))
    alpha = (mask.astype(np.float32) / 255)[..., None]
    image = (1 - alpha) * np.array((235, 230, 220), np.float32) + alpha * np.array(ink, np.float32)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image *= (0.55 + 0.45 * (xx / width) * 0.6 + 0.45 * (yy / height) * 0.4)[..., None]
    edge = 1 / (1 + np.exp(-(xx - 0.7 * yy - (width * 0.5 - 0.7 * height * 0.5)) / 15))
    image *= (0.45 + 0.55 * edge)[..., None]
    image += rng.normal(0, 6, image.shape)
    picture = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(2.0))
    return encoded(picture, "JPEG", quality=80)


SHADOW_PHOTOS = [(digit, tilt, ink) for digit in range(10) for tilt, ink in [(6, (35, 35, 45)), (-9, (60, 50, 90))]]
"""The reviewer's 20 shadow photos: every digit, tilted both ways, black and blue-black ink."""


def noise_png(side: int = 1780, seed: int = 7) -> bytes:
    """Random RGB noise, every pixel uniform in 0-255: a 9.5 MB PNG at 1780 px."""
    return png_bytes(np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8))


def wood_texture(seed: int = 7) -> bytes:
    """600x800 JPEG of wavy wood grain in brown with grain noise: texture, no digit."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:800, 0:600].astype(np.float32)
    grain = 128 + 60 * np.sin(xx / 9 + 6 * np.sin(yy / 70)) + rng.normal(0, 20, (800, 600))
    wood = np.stack([grain, grain * 0.75, grain * 0.5], -1)
    return encoded(Image.fromarray(np.clip(wood, 0, 255).astype(np.uint8)), "JPEG")


def printed_number(text: str, width: int = 1400, height: int = 500) -> bytes:
    """Dark printed digits side by side on white (PNG)."""
    return png_bytes(255 - _printed_digit(text, width, height, 9, 24))


def big_photo(digit: int, width: int, height: int, format: str = "JPEG") -> bytes:
    """A `width` x `height` photo of a printed digit filling about half its height, drawn small and
    scaled up (so that making a 24-48 MP picture stays cheap), dark on grey-white paper."""
    small_w, small_h = max(8, width // 8), max(8, height // 8)
    mask = _printed_digit(str(digit), small_w, small_h, small_h / 70, max(2, small_h // 25))
    small = (230 - mask.astype(np.float32) * 200 / 255).astype(np.uint8)
    picture = Image.fromarray(cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR))
    return encoded(picture, format, **({"quality": 85} if format == "JPEG" else {}))


def face_blob() -> bytes:
    """600x800 JPEG of a blurred cartoon face (a skin oval, two dark eyes, a smile): no digit."""
    from PIL import ImageDraw

    face = Image.new("RGB", (600, 800), (235, 225, 210))
    pen = ImageDraw.Draw(face)
    pen.ellipse((100, 150, 500, 650), fill=(210, 160, 130))
    pen.ellipse((190, 300, 260, 360), fill=(40, 30, 30))
    pen.ellipse((340, 300, 410, 360), fill=(40, 30, 30))
    pen.arc((200, 420, 400, 560), 20, 160, fill=(90, 30, 30), width=14)
    return encoded(face.filter(ImageFilter.GaussianBlur(4)), "JPEG")


def _handwritten(text: str, width: int, height: int, pen: int, seed: int = 7) -> np.ndarray:
    """Ink coverage (H x W uint8) of `text` as canvas-style strokes (`mlcore.synthetic`), digits side
    by side filling about half the height; a "." is a dot at the baseline, a "-" a dash at mid-height, a " " a space,
    other characters are printed in the Hershey simplex font."""
    from mlcore.synthetic import render_digit

    rng = np.random.default_rng(seed)
    mask = np.zeros((height, width), np.uint8)
    cell = height // 2
    x = (width - cell * sum({".": 0.35, " ": 0.4}.get(c, 0.8) for c in text)) / 2
    for character in text:
        if character == " ":
            x += 0.4 * cell
            continue
        if character == ".":
            cv2.circle(mask, (int(x + 0.15 * cell), int(height * 0.75 - pen)), max(3, pen), 255, -1, cv2.LINE_AA)
            x += 0.35 * cell
            continue
        if character.isdigit():
            glyph = render_digit(int(character), rng, side=cell)[..., 0]
            ys, xs = np.nonzero(glyph > 60)
            glyph = glyph[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        else:
            glyph = _printed_digit(character, cell, cell, cell / 40, max(2, pen // 2))
            ys, xs = np.nonzero(glyph > 60)
            glyph = glyph[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        gh, gw = glyph.shape
        scale = 0.9 * cell / gh if character.isdigit() or character in "()[]" else min(1.0, 0.7 * cell / gh)
        glyph = cv2.resize(glyph, (max(1, round(gw * scale)), max(1, round(gh * scale))))
        top = int(height * 0.75) - glyph.shape[0]
        if character == "-":  # a minus at the digits' mid-height
            top = int(height * 0.75 - 0.45 * cell - glyph.shape[0] / 2)
        left = int(x + (0.8 * cell - glyph.shape[1]) / 2)
        region = mask[top : top + glyph.shape[0], left : left + glyph.shape[1]]
        np.maximum(region, glyph[: region.shape[0], : region.shape[1]], out=region)
        x += 0.8 * cell
    return mask


def sheet_on_desk(digit: int, share: float = 0.65, seed: int = 7, width: int = 900, height: int = 1200) -> bytes:
    """A phone photo (JPEG, quality 85) of a white sheet lying on a dark wooden desk, seen at a
    slant: the sheet (a quadrilateral) covers about `share` of the photo, a dark digit is written
    in its middle (about a third of the sheet's height), the light falls off to one side."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    grain = 70 + 18 * np.sin(xx / 11 + 5 * np.sin(yy / 90)) + rng.normal(0, 8, (height, width))
    image = np.stack([grain * 1.0, grain * 0.8, grain * 0.6], -1)
    sheet_w, sheet_h = 850, 1100  # a letter page, upright, in its own pixels
    page = np.full((sheet_h, sheet_w, 3), (238, 236, 230), np.float32)
    ink = _handwritten(str(digit), sheet_w, sheet_h // 2, pen=14, seed=seed)
    top = sheet_h // 4
    region = page[top : top + ink.shape[0]]
    alpha = (ink.astype(np.float32) / 255)[..., None]
    page[top : top + ink.shape[0]] = region * (1 - alpha) + np.float32((30, 30, 40)) * alpha
    side = np.sqrt(share * width * height / (sheet_w * sheet_h))
    centre = np.float32([width / 2, height / 2]) + rng.uniform(-0.05, 0.05, 2).astype(np.float32) * [width, height]
    angle = np.radians(rng.uniform(-12, 12))
    rotation = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = np.float32([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * np.float32([sheet_w, sheet_h]) * side / 2
    corners = corners * np.float32([[0.92, 1], [0.92, 1], [1.08, 1], [1.08, 1]])  # nearer edge wider
    corners = corners @ rotation.T + centre + rng.uniform(-15, 15, (4, 2)).astype(np.float32)
    source = np.float32([[0, 0], [sheet_w, 0], [sheet_w, sheet_h], [0, sheet_h]])
    matrix = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    warped = cv2.warpPerspective(page, matrix, (width, height))
    cover = cv2.warpPerspective(np.ones((sheet_h, sheet_w), np.float32), matrix, (width, height))[..., None]
    image = image * (1 - cover) + warped * cover
    image *= (0.75 + 0.25 * xx / width)[..., None]
    image += rng.normal(0, 3, image.shape)
    picture = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.0))
    return encoded(picture, "JPEG", quality=85)


def ruled_paper(text: str, grid: bool = False, seed: int = 7, width: int = 1000, height: int = 420,
                rule=(200, 160, 110)) -> bytes:
    """A photo (JPEG) of `text` written dark on lined paper (ruled lines in `rule` every 34 px, a
    blue margin line), or on grid paper with dark grey lines every 30 px both ways."""
    rng = np.random.default_rng(seed)
    paper = np.full((height, width, 3), (240, 238, 232), np.float32)
    if grid:
        for x in range(12, width, 30):
            cv2.line(paper, (x, 0), (x, height), (120, 120, 120), 2)
        for y in range(12, height, 30):
            cv2.line(paper, (0, y), (width, y), (120, 120, 120), 2)
    else:
        for y in range(20, height, 34):
            cv2.line(paper, (0, y), (width, y), rule, 2)
        cv2.line(paper, (70, 0), (70, height), (90, 90, 220), 2)
    ink = _handwritten(text, width, height, pen=12, seed=seed)
    alpha = (ink.astype(np.float32) / 255)[..., None]
    image = paper * (1 - alpha) + np.float32((25, 25, 35)) * alpha
    image += rng.normal(0, 3, image.shape)
    picture = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
    return encoded(picture, "JPEG", quality=88)


def written_number(text: str, seed: int = 7, width: int = 1000, height: int = 420, ink: int = 30,
                   paper: int = 235) -> bytes:
    """`text` written as canvas-style strokes (digits), with dots and printed other characters, dark
    on plain paper (PNG)."""
    mask = _handwritten(text, width, height, pen=12, seed=seed).astype(np.float32) / 255
    return png_bytes(np.clip(paper + (ink - paper) * mask, 0, 255).astype(np.uint8))


def two_lines_photo(upper: str, lower: str, width: int = 1000, height: int = 420) -> bytes:
    """`upper` written over `lower` as `written_number` writes one line, each in half the height."""
    lines = np.vstack([_handwritten(upper, width, height // 2, pen=12), _handwritten(lower, width, height // 2, pen=12, seed=8)])
    return png_bytes(np.clip(235 - 205 * (lines.astype(np.float32) / 255), 0, 255).astype(np.uint8))


def faint_photo(digit: int = 3, contrast: int = 6, seed: int = 7) -> bytes:
    """A photo (JPEG) of a digit in ink only `contrast` grey levels darker than its paper."""
    rng = np.random.default_rng(seed)
    mask = _handwritten(str(digit), 500, 500, pen=14, seed=seed).astype(np.float32) / 255
    image = 200 - contrast * mask + rng.normal(0, 2, mask.shape)
    return encoded(Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)), "JPEG", quality=90)


def _desk(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Dark wood (BGR float32): a brown with grain running across and sensor noise."""
    desk = np.empty((height, width, 3), np.float32)
    desk[:] = (32, 48, 72)
    grain = cv2.resize(rng.normal(0, 1, (max(2, height // 40), 4)).astype(np.float32), (width, height))
    return desk + grain[..., None] * 10 + rng.normal(0, 4, (height, width, 1)).astype(np.float32)


def _lined_page(height: int, width: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """An exercise book's page (BGR float32): blue rules every height/22 px and a red margin line."""
    page = np.empty((height, width, 3), np.float32)
    page[:] = (236, 233, 226)
    page += rng.normal(0, 3, (height, width, 1)).astype(np.float32)
    step = height // 22
    for y in range(int(step * 2.5), height, step):
        cv2.line(page, (0, y), (width, y), (200, 170, 120), 2, cv2.LINE_AA)
    cv2.line(page, (width // 8, 0), (width // 8, height), (120, 120, 230), 2, cv2.LINE_AA)
    return page, step


def _on_desk(page: np.ndarray, height: int, width: int, share: float, angle: float, slant: float,
             rng: np.random.Generator) -> np.ndarray:
    """A photo (BGR uint8) of `page` lying on a dark desk, covering about `share` of it, turned by
    `angle` degrees and seen at a slant (its top `slant` narrower), lit less in one corner."""
    page_h, page_w = page.shape[:2]
    scale = np.sqrt(share * height * width / (page_h * page_w))
    half = np.array([page_w, page_h]) * scale / 2
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half
    a = np.deg2rad(angle)
    corners = corners @ np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]).T
    corners += [width / 2 + width * 0.03, height / 2 - height * 0.02]
    corners[0, 0] += slant * 2 * half[0]
    corners[1, 0] -= slant * 2 * half[0]
    source = np.float32([[0, 0], [page_w, 0], [page_w, page_h], [0, page_h]])
    matrix = cv2.getPerspectiveTransform(source, np.float32(corners))
    cover = cv2.warpPerspective(np.ones((page_h, page_w), np.float32), matrix, (width, height))[..., None]
    image = _desk(height, width, rng) * (1 - cover) + cv2.warpPerspective(page, matrix, (width, height)) * cover
    yy, xx = np.mgrid[0:height, 0:width]
    image *= (1.0 - 0.25 * (xx / width) * (yy / height))[..., None]
    image = cv2.GaussianBlur(image, (0, 0), 1.0) + rng.normal(0, 2.5, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _blue_ink(page: np.ndarray, mask: np.ndarray, centre: tuple[int, int]) -> None:
    """Writes `mask` (uint8 coverage) in ballpoint blue on `page`, centred at `centre` (x, y)."""
    h, w = mask.shape
    x0, y0 = centre[0] - w // 2, centre[1] - h // 2
    alpha = (mask.astype(np.float32) / 255)[..., None]
    region = page[y0 : y0 + h, x0 : x0 + w]
    region[:] = region * (1 - alpha) + np.float32((110, 40, 25)) * alpha


def lined_page_to_the_edges(digit: int, angle: float = 1.5, seed: int = 7) -> bytes:
    """A phone photo (JPEG) of a lined page filling the frame but for a thin dark wedge of desk along
    two of its edges (the page turned by `angle` degrees), a blue digit 1.6 rules tall on it: the
    review's lined_5.jpg, at 750 x 1000 px."""
    rng = np.random.default_rng(seed)
    page, step = _lined_page(1000, 750, rng)
    side = int(step * 3.2)  # the digit fills half of it: 1.6 rules
    mask = cv2.resize(_handwritten(str(digit), 420, 420, pen=11, seed=seed), (side, side), interpolation=cv2.INTER_AREA)
    _blue_ink(page, mask, (350, int(step * 9.6)))
    photo = _on_desk(page, 1000, 750, 0.95, angle, 0.01, rng)
    return encoded(Image.fromarray(cv2.cvtColor(photo, cv2.COLOR_BGR2RGB)), "JPEG", quality=88)


def sheet_with_small_digit(digit: int, angle: float = 6, share: float = 0.65, seed: int = 7) -> bytes:
    """A 12 MP phone photo (JPEG, 3000 x 4000) of a whole A4 sheet on a dark desk with a normal-size
    ballpoint digit on it, about 14 % of the sheet's height, written with a 22 px pen: strokes
    about 2 px wide once the photo is shrunk to look for the sheet (the review's desk_7.jpg)."""
    rng = np.random.default_rng(seed)
    page = np.empty((2970, 2100, 3), np.float32)
    page[:] = (236, 233, 226)
    page += rng.normal(0, 3, (2970, 2100, 1)).astype(np.float32)
    _blue_ink(page, _handwritten(str(digit), 420, 420, pen=22, seed=seed), (1050, 1300))
    photo = _on_desk(page, 4000, 3000, share, angle, 0.05, rng)
    return encoded(Image.fromarray(cv2.cvtColor(photo, cv2.COLOR_BGR2RGB)), "JPEG", quality=88)


def bracketed_number(text: str, shape: str = "()", seed: int = 7, width: int = 1000, height: int = 420,
                     taller: float = 1.25, bow: float = 0.14) -> bytes:
    """A photo (PNG) of `text` written as canvas-style strokes with hand-drawn brackets around it, as
    a student writes "(7)": round brackets are arcs bowing out by `bow` of their height, square ones
    a bar with two short feet, each `taller` times the digits' height, centred on them, pen 12."""
    mask = _handwritten(text, width, height, pen=12, seed=seed)
    ys, xs = np.nonzero(mask > 60)
    top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
    middle, tall = (top + bottom) / 2, (bottom - top) * taller
    gap = 0.25 * (bottom - top)
    t = np.linspace(-1, 1, 40)
    for x, side in ((left - gap, -1), (right + gap, 1)):  # side -1: "(" bows left; 1: ")" bows right
        if shape == "()":
            points = np.stack([x + side * bow * tall * (1 - t ** 2), middle + t * tall / 2], 1)
        else:
            foot = -side * 0.18 * tall
            points = np.array([[x + foot, middle - tall / 2], [x, middle - tall / 2], [x, middle + tall / 2],
                               [x + foot, middle + tall / 2]])
        cv2.polylines(mask, [np.round(points).astype(np.int32)], False, 255, 12, cv2.LINE_AA)
    return png_bytes(np.clip(235 + (30 - 235) * mask.astype(np.float32) / 255, 0, 255).astype(np.uint8))


def tilted_ruled_paper(text: str, tilt: float, seed: int = 7, width: int = 1000, height: int = 420) -> bytes:
    """`ruled_paper` photographed with the page turned by `tilt` degrees (the phone not square to
    the ruling): the lines and the writing tilted together, the corners filled with the paper."""
    picture = np.asarray(Image.open(io.BytesIO(ruled_paper(text, seed=seed, width=width, height=height))))
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), tilt, 1.0)
    turned = cv2.warpAffine(picture, turn, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return encoded(Image.fromarray(turned), "JPEG", quality=88)


def letter_on_paper(letter: str, seed: int = 7, side: int = 600) -> bytes:
    """A phone photo (JPEG) of one capital `letter` written with a pen on white paper: strokes of
    OpenCV's Hershey simplex font, thickened, slightly rotated, on paper lit unevenly, with noise."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((side, side), np.uint8)
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, side / 60
    (w, h), _ = cv2.getTextSize(letter, font, scale, side // 40)
    cv2.putText(mask, letter, ((side - w) // 2, (side + h) // 2), font, scale, 255, side // 40, cv2.LINE_AA)
    mask = cv2.warpAffine(mask, cv2.getRotationMatrix2D((side / 2, side / 2), rng.uniform(-6, 6), 1.0), (side, side))
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    paper = 232 * (0.85 + 0.15 * xx / side)
    image = paper + (35 - paper) * mask.astype(np.float32) / 255 + rng.normal(0, 3, mask.shape)
    return encoded(Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)), "JPEG", quality=85)


def hand_drawn_brackets_42() -> bytes:
    """ "(42)" as a reviewer drew it with Pillow: arcs for the brackets, strokes for 4 and 2, on
    cream paper (800x300 PNG). Its "(" is unlike any digit and its ")" reads as a 7."""
    picture = Image.new("RGB", (800, 300), (245, 242, 235))
    pen = ImageDraw.Draw(picture)
    ink, width = (25, 25, 40), 14
    pen.arc((60, 40, 200, 260), 100, 260, fill=ink, width=width)
    for line in ((300, 50, 240, 180), (240, 180, 350, 180), (320, 80, 320, 260), (512, 130, 400, 255),
                 (400, 255, 530, 255)):
        pen.line(line, fill=ink, width=width)
    pen.arc((400, 50, 520, 160), 180, 20, fill=ink, width=width)
    pen.arc((560, 40, 700, 260), -80, 80, fill=ink, width=width)
    return encoded(picture, "PNG")


def pen_written(text: str, digit_height: int = 450, pen: int = 12) -> bytes:
    """`pen_ink`'s `text` dark on 1600x800 paper (PNG), as a student writes with a fine pen on big digits."""
    ink, _ = pen_ink(text, (800, 1600), digit_height, pen)
    return png_bytes((235 - (235 - 40) * (ink.astype(np.float32) / 255)).astype(np.uint8))


def pen_ink(text: str, size: tuple[int, int], digit_height: int, pen: int) -> tuple[np.ndarray, list]:
    """`text` ("1", "3", "7", "." and "-") written with one `pen` (px) on a black (height, width) uint8
    canvas, white ink, digits `digit_height` px tall from x = 40: a "." is a dot the pen's own width, a
    "-" a short dash (a fifth of the digits' height between the pen's round ends). Also the boxes
    (x, y, w, h) of the dots, as the canvas reports pen taps."""
    glyphs = {"1": ONE, "3": THREE, "7": SEVEN}
    ink, dots = np.zeros(size, np.uint8), []
    top, x = (size[0] - digit_height) // 2, 40
    for character in text:
        if character in glyphs:
            points = glyphs[character] - glyphs[character].min(axis=0)
            points = (points * digit_height / points[:, 1].max()).astype(np.int32) + [x, top]
            cv2.polylines(ink, [points], False, 255, pen, cv2.LINE_AA)
            x = int(points[:, 0].max())
        elif character == ".":
            centre = (x + pen, top + digit_height - pen // 2)
            cv2.circle(ink, centre, pen // 2, 255, -1, cv2.LINE_AA)
            dots.append((centre[0] - pen // 2 - 1, centre[1] - pen // 2 - 1, pen + 2, pen + 2))
            x += pen
        else:
            middle = top + digit_height // 2
            cv2.line(ink, (x, middle), (x + digit_height // 5, middle), 255, pen, cv2.LINE_AA)
            x += digit_height // 5
        x += int(0.15 * digit_height)
    return ink, dots
