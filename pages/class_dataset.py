import streamlit as st

from mlcore import class_dataset
from mlcore.digit_zip import to_zip
from ui.class_dataset import class_dataset_engine_or_stop, teacher_passcode
from ui.layout import page_frame
from ui.digit_gallery import counts_chart, digit_filter, digit_grid

SHOWN = 120

page_frame("pages/class_dataset.py")
st.title("Class dataset")
st.caption("Drawings the class chose to share from My digits, anonymous: a 28×28 image and its label, nothing else.")
engine = class_dataset_engine_or_stop()


def clear() -> None:
    if class_dataset.passcode_matches(st.session_state.get("class_passcode", ""), teacher_passcode()):
        st.session_state.class_notice = ("success", f"Cleared: {class_dataset.clear(engine):,} drawings deleted.")
    else:
        st.session_state.class_notice = ("error", "That is not the passcode. Nothing was deleted.")
    st.session_state.class_passcode = ""


try:
    counts = class_dataset.counts(engine)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.metric("Drawings", f"{int(counts.sum()):,}", help=f"It holds at most {class_dataset.CAP:,}.")
        st.button("Refresh", icon=":material/refresh:", key="class_refresh")
    if not counts.sum():
        st.info("Empty so far. On My digits, a student can add their labelled drawings here.", icon=":material/info:")
    else:
        st.altair_chart(counts_chart(counts), width="stretch")
        label = digit_filter(counts, key="class_filter")
        st.caption(f"The newest {min(SHOWN, int(counts.sum() if label is None else counts[label]))}.")
        digit_grid(class_dataset.page(engine, label=label, limit=SHOWN), key="class")

    st.subheader("For the teacher")
    st.download_button("Download the class dataset (zip)", data=lambda: to_zip(class_dataset.export(engine)),
                       file_name="class-dataset.zip", mime="application/zip", icon=":material/download:",
                       on_click="ignore", disabled=not counts.sum(),
                       help="The same zip as My digits: PNGs, a CSV and digits.npz.")
    if teacher_passcode() is None:
        st.caption("Clearing is off: no passcode is set. Set `class_dataset_passcode` in `.streamlit/secrets.toml` "
                   "or the environment variable `CLASS_DATASET_PASSCODE` to turn it on.")
    else:
        with st.form("class_clear", border=False, enter_to_submit=False):
            st.text_input("Passcode", type="password", key="class_passcode", width=320)
            st.form_submit_button("Clear the class dataset", icon=":material/delete_forever:", on_click=clear,
                                  disabled=not counts.sum())
    if "class_notice" in st.session_state:  # under the button pressed, in sight on a phone
        kind, text = st.session_state.pop("class_notice")
        (st.error if kind == "error" else st.success)(text)
except class_dataset.ClassDatasetError as error:
    st.error(str(error))
