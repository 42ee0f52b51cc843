import streamlit as st

st.title("Experiments")
