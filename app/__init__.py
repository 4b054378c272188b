"""The Streamlit glue: who is looking, cached model calls, sign-in, the entry-point guard, shared
widgets and the analysis filters. Only this package, dashboard.py and pages/ import streamlit."""
