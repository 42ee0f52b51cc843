"""DTW Match: home page and navigation."""

import streamlit as st

st.set_page_config(page_title="DTW Match", page_icon="〰️", layout="wide")

st.title("DTW Match")
st.markdown(
    "Find time series that are **alike but out of step**, using dynamic time warping (DTW)."
)
