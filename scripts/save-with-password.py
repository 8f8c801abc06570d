"""Save a document with a password through a running LibreOffice (used by make-fidelity-corpus.sh).

soffice's --convert-to cannot set a password on DOCX, XLSX or ODT output; the UNO API can, by
storing with a "Password" in the media descriptor, exactly as the Save dialog's "Save with
password" does. Usage: save-with-password.py PIPE_NAME SOURCE TARGET FILTER PASSWORD
"""
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def main(pipe, source, target, filter_name, password):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:  # soffice is still starting: the pipe is not there yet
            time.sleep(0.5)
    else:
        sys.exit(f"could not reach soffice on pipe {pipe}")
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    # A freshly started soffice answers on its pipe before it can load documents: it returns None then.
    document = None
    for _ in range(60):
        document = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(source), "_blank", 0, (prop("Hidden", True),)
        )
        if document is not None:
            break
        time.sleep(0.5)
    if document is None:
        sys.exit(f"soffice could not load {source}")
    try:
        document.storeToURL(
            uno.systemPathToFileUrl(target), (prop("FilterName", filter_name), prop("Password", password))
        )
    finally:
        document.close(True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
