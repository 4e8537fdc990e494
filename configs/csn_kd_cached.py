# Short name: ir-CSN-152 distillation from cached teacher knowledge.
_base_ = ['./recognition/csn/ircsn_r152_bce-kd-cached_8xb8-16seg-30e_tinyvirat-lr.py']
