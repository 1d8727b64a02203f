from .kdcl_general_hook import KDCLGeneralHook
from .pskd_hook import PSKDHook

__all__ = ['KDCLGeneralHook', 'PSKDHook']
