from .early_stop_kd_hook import EarlyStopKDHook
from .kdcl_general_hook import KDCLGeneralHook
from .pskd_hook import PSKDHook

__all__ = ['EarlyStopKDHook', 'KDCLGeneralHook', 'PSKDHook']
