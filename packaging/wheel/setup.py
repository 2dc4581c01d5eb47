"""Platform-wheel shim, copied beside the staged pyproject.toml by packaging/wheel.sh.

The package holds a native library but no extension module, so setuptools would build
a pure `py3-none-any` wheel (`Root-Is-Purelib: true`), which auditwheel refuses and pip
would install on any platform. This marks the wheel as platform-specific and tags it
`py3-none-<platform>`: any Python 3 (ctypes, no CPython ABI), one platform. auditwheel
then replaces `linux_x86_64` with the manylinux tag the library qualifies for.

Not used by the source install (`pip install ./bindings/python`), which stays pure.
"""

from setuptools import setup
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel


class PlatformDistribution(Distribution):
    """Installs the package into platlib (the wheel's root), not .data/purelib."""

    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _python, _abi, platform = super().get_tag()
        return "py3", "none", platform


setup(distclass=PlatformDistribution, cmdclass={"bdist_wheel": PlatformWheel})
