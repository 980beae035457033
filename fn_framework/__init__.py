"""The book's function-approximation framework: Experience, FNAgent, Trainer, Observer, Logger."""
from fn_framework.quiet import quiet_start

# TensorFlow's C++ start-up lines bury the book's progress lines: hidden before anything imports TensorFlow
# (--verbose or BABY_STEPS_VERBOSE=1 keeps them).
quiet_start()

from fn_framework.agent import FNAgent, check_model_fits, load_keras_model  # noqa: E402
from fn_framework.errors import UserError  # noqa: E402
from fn_framework.experience import Experience  # noqa: E402
from fn_framework.logger import Logger  # noqa: E402
from fn_framework.observer import Observer  # noqa: E402
from fn_framework.trainer import Trainer  # noqa: E402

__all__ = [
    "Experience", "FNAgent", "Trainer", "Observer", "Logger", "UserError", "check_model_fits", "load_keras_model",
]
