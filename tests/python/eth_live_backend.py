"""A matplotlib backend standing in for a GUI in test_eth.py (MPLBACKEND=module://eth_live_backend):
Agg's drawing, and a log ($ETH_LIVE_BACKEND_LOG) of the windows shown and redrawn, so that the
live path of eth --plot runs without a display."""
import os

from matplotlib.backend_bases import FigureManagerBase, _Backend
from matplotlib.backends.backend_agg import FigureCanvasAgg


def _log(event):
    with open(os.environ["ETH_LIVE_BACKEND_LOG"], "a") as f:
        f.write(event + "\n")


class FigureManagerLive(FigureManagerBase):
    def set_window_title(self, title):
        self._title = title

    def get_window_title(self):
        return getattr(self, "_title", "?")

    def show(self):
        _log(f"show {self.get_window_title()}")


class FigureCanvasLive(FigureCanvasAgg):
    manager_class = FigureManagerLive

    def draw_idle(self, *args, **kwargs):
        _log(f"draw {self.manager.get_window_title() if self.manager else '?'}")
        super().draw_idle(*args, **kwargs)


@_Backend.export
class _BackendLive(_Backend):
    FigureCanvas = FigureCanvasLive
    FigureManager = FigureManagerLive

    @staticmethod
    def mainloop():
        _log("mainloop")
