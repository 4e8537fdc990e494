"""The demo job (``demo/run_demo.py``) and the synthetic demo-data renderer (``demo/make_demo_data.py``)."""
