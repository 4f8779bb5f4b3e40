"""The `verl.plugins` entry point: `import verl` imports this module, which registers every
plugin on the search path as the verl loss mode rlloss_<name>."""

from . import verl as _verl

registered_loss_modes = _verl.register()
