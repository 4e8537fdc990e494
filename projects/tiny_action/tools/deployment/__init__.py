"""Deployment: ONNX export of a recognizer or a distilled student
(``tools/deployment/export_onnx.py``). Needs ``onnx`` and ``onnxruntime``
(pinned in ``requirements/runtime.txt``)."""
from .onnx_export import (ProbabilityModel, export_onnx, onnx_session,
                          run_onnx, test_input_shape)

__all__ = ['ProbabilityModel', 'export_onnx', 'onnx_session', 'run_onnx',
           'test_input_shape']
