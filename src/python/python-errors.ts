// Errors of the Python escape hatch, with their message text made here.
import { VaderError } from "../errors.js";

/** A proxy was used after `$dispose()` released its Python object (or a proxy it was derived from). */
export class PythonObjectDisposedError extends VaderError {
  override name = "PythonObjectDisposedError";
  constructor(
    readonly label: string,
    readonly objectId: string,
    readonly pythonType: string,
  ) {
    super(
      `${label} (${objectId}, a ${pythonType}) was disposed: its Python object was released and cannot be used any more. ` +
        "Dispose a proxy only when you are done with it and with every attribute chain made from it, or get the object again.",
    );
  }
}

/** A value that cannot be sent to Python (a function, a Map, a class instance, a cycle, ...). */
export class PythonArgumentError extends VaderError {
  override name = "PythonArgumentError";
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where} ${problem}`);
  }
}
