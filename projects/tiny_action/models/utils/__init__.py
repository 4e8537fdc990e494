from .blending import ModalityDropout

__all__ = ['ModalityDropout']
