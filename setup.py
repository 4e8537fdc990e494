"""Install the ``tiny_action`` package whose source lives in projects/tiny_action.

``pip install -e .`` works from anywhere. The pinned dependency stack is
installed by ``tools/setup_env.sh`` from ``requirements/`` (see README): it
needs ``--no-deps`` for mmagic, which setup.py cannot express.
"""
from setuptools import find_packages, setup


def _version() -> str:
    scope: dict = {}
    with open('projects/tiny_action/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='tiny-action',
    version=_version(),
    description='Tiny, low-resolution multi-label action recognition '
    '(TinyVIRAT-v2) for MMAction2',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    package_dir={'tiny_action': 'projects/tiny_action'},
    packages=['tiny_action'] + [
        'tiny_action.' + p for p in find_packages('projects/tiny_action')
    ],
    package_data={'tiny_action': ['resources/*']},
    install_requires=[],
    zip_safe=False,
)
