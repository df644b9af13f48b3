"""The Teams app manifest template, its icons and the app package build (see ``manifest.build``)."""
