from .pskd_hook import PSKDHook

__all__ = ['PSKDHook']
