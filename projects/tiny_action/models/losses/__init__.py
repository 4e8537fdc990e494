from .asymmetric_loss import AsymmetricLoss
from .dvsr_losses import attention_l1_norm, attention_weighted_l1

__all__ = ['AsymmetricLoss', 'attention_l1_norm', 'attention_weighted_l1']
