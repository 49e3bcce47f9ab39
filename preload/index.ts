/**
 * The desktop preload: exposes `window.api` (see bridge.ts) and nothing else. Built into a
 * single CommonJS file that a sandboxed renderer can load.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildBridge } from './bridge.ts';

contextBridge.exposeInMainWorld(
  'api',
  buildBridge(ipcRenderer, (file) => webUtils.getPathForFile(file)),
);
