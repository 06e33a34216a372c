"""The app's machine learning, free of Streamlit.

Importing it first keeps TensorFlow's C++ start-up chatter (oneDNN notices, CUDA probing errors
on machines without a GPU) out of a teacher's terminal: TF_CPP_MIN_LOG_LEVEL must be set before
TensorFlow is imported (https://www.tensorflow.org/api_docs/python/tf/get_logger). A value set in
the environment wins. Python errors still raise as usual. (The two "cudart_stub … Could not find
cuda drivers" lines are logged by absl before TensorFlow reads any setting; no variable stops them.)
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
