from .ie_connectors import (IEAutoEncoder, IEPartEncoder, IETeacherFactor, load_stage1_encoder,
                            split_channels)

__all__ = ['IEAutoEncoder', 'IEPartEncoder', 'IETeacherFactor', 'load_stage1_encoder',
           'split_channels']
