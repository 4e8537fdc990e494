# Short name of the paper's UniFormer-Base config (BCE, the paper's main loss).
_base_ = ['./recognition/uniformer/uniformer-base_bce_8xb8-16seg-30e_tinyvirat-lr.py']
