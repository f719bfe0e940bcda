"""Beam pipelines: one module per stage under :mod:`newsmon.pipelines.stages`, wired in :mod:`newsmon.pipelines.streaming`."""
