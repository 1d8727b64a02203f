from .ie_losses import ExplorationLoss, InheritanceLoss

__all__ = ['ExplorationLoss', 'InheritanceLoss']
