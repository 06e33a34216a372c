import numpy as np
import streamlit as st

from mlcore import class_dataset
from mlcore.collection import CollectionFull
from mlcore.digit_zip import DigitZipError, from_zip, to_zip
from ui.class_dataset import class_dataset_engine
from ui.digit_gallery import counts_chart, digit_filter, digit_grid
from ui.layout import page_frame
from ui.my_digits import count_of, my_digits, not_in_class_dataset

SHOWN = 120
# What the last import or share did, shown right under its own button (in sight on a phone):
IMPORT, SHARE = "my_digits_import_notice", "my_digits_share_notice"

page_frame("pages/my_digits.py")
st.title("My digits")
st.caption("The drawings you labelled on the Draw page. They live in this browser session only: "
           "download them as a zip to keep them, and upload the zip to bring them back.")
digits = my_digits()


def notice(where: str, kind: str, text: str) -> None:
    st.session_state[where] = (kind, text)


def show_notice(where: str) -> None:
    if where in st.session_state:
        kind, text = st.session_state.pop(where)
        (st.error if kind == "error" else st.success)(text)


def import_zip() -> None:
    upload = st.session_state.get("my_digits_upload")
    if upload is None:
        return
    try:
        found = from_zip(upload.getvalue())
        added = digits.add_all(found)
    except (DigitZipError, CollectionFull) as error:
        notice(IMPORT, "error", f"{upload.name} was not imported: {error}")
    else:
        here = len(found) - added
        already = f" ({count_of(here)} {'was' if here == 1 else 'were'} here already)" if here else ""
        notice(IMPORT, "success", f"Imported {count_of(added)} from {upload.name}{already}.")


def share() -> None:
    try:
        new = not_in_class_dataset(list(digits))
        if not new:
            notice(SHARE, "success", "The class dataset holds all your drawings already.")
            return
        added = class_dataset.add_new_digits(class_dataset_engine(), np.stack([d.image for d in new]),
                                             np.array([d.label for d in new], np.uint8))
    except class_dataset.ClassDatasetError as error:
        notice(SHARE, "error", str(error))
    else:
        there = f" ({count_of(added.already)} {'was' if added.already == 1 else 'were'} there already)" \
            if added.already else ""
        notice(SHARE, "success",
               f"Added {count_of(added.added)} to the class dataset{there}: it now holds {added.total:,}.")


if not len(digits):
    st.info("Nothing here yet. Draw a digit on the Draw page and tell the network whether it read it right.",
            icon=":material/draw:")
    st.page_link("streamlit_app.py", label="Go to Draw", icon=":material/edit:")
else:
    counts = digits.counts()
    misread = sum(d.is_misread for d in digits)
    with st.container(horizontal=True):
        st.metric("Drawings", len(digits))
        st.metric("Misread by the model", misread)
    st.altair_chart(counts_chart(counts), width="stretch")
    label = digit_filter(counts, key="my_digits_filter")
    shown = [d for d in reversed(list(digits)) if label is None or d.label == label]
    if len(shown) > SHOWN:
        st.caption(f"The newest {SHOWN} of {len(shown)}.")
    digit_grid(shown[:SHOWN], key="my_digits", on_delete=digits.remove)

st.subheader("Keep them")
with st.container(horizontal=True):
    st.download_button("Download as a zip", data=lambda: to_zip(digits), file_name="my-digits.zip",
                       mime="application/zip", icon=":material/download:", disabled=not len(digits),
                       help="PNGs of the model's 28×28 inputs and of your canvas, a CSV of labels, and "
                            "digits.npz (x: N×28×28 uint8, y: N uint8, like MNIST).", on_click="ignore")
    with st.popover("Clear all", icon=":material/delete_sweep:", disabled=not len(digits)):
        st.markdown(f"Delete {'the one drawing' if len(digits) == 1 else f'all {len(digits)} drawings'} "
                    "from this session?")
        st.button("Yes, delete them all", type="primary", on_click=digits.clear, key="my_digits_clear")
st.file_uploader("Upload a zip downloaded from here", type=["zip"], key="my_digits_upload", on_change=import_zip,
                 help="Drawings already here (the same picture with the same label) are not added twice. "
                      "A zip with anything wrong in it is refused whole.")
show_notice(IMPORT)

st.subheader("Share with the class")
st.caption("Add your drawings to the class dataset on this server, so the class can see and train on everyone's "
           "handwriting. Only the 28×28 images and their labels are sent: no name, no canvas picture, no time.")
try:
    unshared = len(not_in_class_dataset(list(digits)))
except class_dataset.ClassDatasetError as error:
    st.error(str(error))
else:
    share_label = (f"Add {count_of(unshared)} to the class dataset" if unshared
                   else "All your drawings are in the class dataset" if len(digits) else "No drawings to add yet")
    st.button(share_label, icon=":material/group_add:", disabled=not unshared, on_click=share, key="my_digits_share")
show_notice(SHARE)
