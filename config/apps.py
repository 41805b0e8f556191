"""App configs the project adjusts: Korean names in the console."""

from axes.apps import AppConfig as AxesAppConfig


class AxesConfig(AxesAppConfig):
    # django-axes calls itself "Axes" in the console's app list.
    verbose_name = "로그인 잠금"
