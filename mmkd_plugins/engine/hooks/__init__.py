from .backbone_checkpoint_hook import BackboneCheckpointHook
from .channels_last_hook import ChannelsLastHook
from .distill_diagnostics_hook import DistillDiagnosticsHook
from .early_stop_kd_hook import EarlyStopKDHook
from .kdcl_general_hook import KDCLGeneralHook
from .pskd_hook import PSKDHook
from .rng_state_hook import RNGStateHook

__all__ = ['BackboneCheckpointHook', 'ChannelsLastHook', 'DistillDiagnosticsHook',
           'EarlyStopKDHook', 'KDCLGeneralHook', 'PSKDHook', 'RNGStateHook']
