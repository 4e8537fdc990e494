# Short name: UniFormer-B dual-resolution distillation.
_base_ = ['./recognition/uniformer/uniformer-base_bce-kd_8xb8-16seg-30e_tinyvirat-lr-sr.py']
