# Short name: ir-CSN-152 dual-resolution distillation (online teacher).
_base_ = ['./recognition/csn/ircsn_r152_bce-kd_8xb8-16seg-30e_tinyvirat-lr-sr.py']
