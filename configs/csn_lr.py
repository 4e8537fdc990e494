# Short name of the paper's ir-CSN-ResNet152 config (BCE, the paper's main loss).
_base_ = ['./recognition/csn/ircsn_r152_bce_8xb8-16seg-30e_tinyvirat-lr.py']
