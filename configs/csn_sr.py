# Short name: ir-CSN-152 SR teacher.
_base_ = ['./recognition/csn/ircsn_r152_bce_8xb8-16seg-30e_tinyvirat-sr.py']
