# Short name: UniFormer-B SR teacher.
_base_ = ['./recognition/uniformer/uniformer-base_bce_8xb8-16seg-30e_tinyvirat-sr.py']
