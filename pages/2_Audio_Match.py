import streamlit as st

st.title("Audio Match")
