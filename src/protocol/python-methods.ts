// Methods of the Python escape hatch (bridge.python): proxies into the bridge's own process.
import { z } from "zod";

export const PYTHON_METHODS = {} as const;
