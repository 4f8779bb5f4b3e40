"""Stand-in for verl's package init: only its plugin discovery (see tests/python/verl_standin)."""

import logging
import os

_plugins_policy = os.getenv("VERL_USE_EXTERNAL_PLUGINS", "auto").strip().lower()
if _plugins_policy != "none":
    from importlib.metadata import entry_points as _entry_points

    try:
        _discovered = _entry_points(group="verl.plugins")
    except TypeError:  # Python 3.9: entry_points() takes no group
        _discovered = _entry_points().get("verl.plugins", [])
    _allowed = (
        None if _plugins_policy == "auto" else {n.strip() for n in _plugins_policy.split(",") if n.strip()}
    )
    for _ep in _discovered:
        if _allowed is not None and _ep.name not in _allowed:
            continue
        try:
            _ep.load()
        except Exception as _e:  # verl swallows plugin failures at debug level
            logging.getLogger(__name__).debug("Failed to load plugin '%s': %s", _ep.name, _e)
