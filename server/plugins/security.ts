// Response headers every answer gets, so that no route can forget them:
// - `nosniff`: a browser never guesses a type (an upload cannot turn into a script or a page);
// - no framing (`X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`): nothing this server
//   serves is meant to sit in a frame (the widget is a script on the site's own page);
// - a Content-Security-Policy that allows nothing, unless the route set a precise one (the demo
//   page, files, avatars), so that JSON opened as a page can do nothing either;
// - `Referrer-Policy: no-referrer`: capability URLs (/files/...) never leak through Referer;
// - CORS only where a route says so (the widget's endpoints, for the project's allowed origins):
//   any other answer loses Access-Control-* headers, and `null` is never an allowed origin.
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { Project } from '../../core/protocol/index.js';
// Plain text (no DOM): the stylesheet the widget puts in its shadow root.
import { STYLE as WIDGET_STYLE } from '../../widget/style.js';
import { installedWidget, type WidgetFiles } from '../widget-bundle.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route answers cross-origin requests from a project's allowed origins (the widget's endpoints). */
    widgetCors?: boolean;
  }
}

/** Nothing may load, run, frame the answer, or be submitted from it. */
export const NOTHING_ALLOWED_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Uploaded files and avatars: shown as an image at most, never run, never framed. */
export const FILE_CSP = "default-src 'none'; img-src 'self'; sandbox; frame-ancestors 'none'";

/** A Content-Security-Policy `'sha256-…'` source that allows exactly this inline `<style>` text. */
export const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The hash of the widget's stylesheet as this server was compiled (an older build's fallback). */
const COMPILED_WIDGET_STYLE_SOURCE = cspHash(WIDGET_STYLE);

/**
 * The widget's stylesheet (a <style> in its shadow root) as a `style-src` source: that of the
 * script served now (a rebuild in place changes both at once); an older build that did not
 * write it down gets the hash of the stylesheet this server was compiled with.
 */
export function widgetStyleSource(widget: WidgetFiles = installedWidget): string {
  return widget.current()?.styleSource ?? COMPILED_WIDGET_STYLE_SOURCE;
}

/**
 * What a site's own CSP must allow for the widget served from `publicUrl`: the script; its uploads
 * (fetch) and its WebSocket (spelled out: older engines do not count ws(s): as covered by the
 * http(s): origin); avatars and image attachments; and its stylesheet by its hash, which changes
 * with the widget's look, so a site takes it from the server it embeds, never from a copy. The
 * widget talks to the origin of its script's URL, whatever path PARLEY_PUBLIC_URL has.
 */
export function widgetCsp(publicUrl: string, widget: WidgetFiles = installedWidget): Project['widgetCsp'] {
  const { origin, protocol, host } = new URL(publicUrl);
  const socket = `${protocol === 'https:' ? 'wss' : 'ws'}://${host}`;
  return {
    'script-src': [origin],
    'connect-src': [origin, socket],
    'img-src': [origin],
    'style-src': [widgetStyleSource(widget)],
  };
}

/**
 * The headers every answer carries. Also called for answers the router gives before any hook
 * runs (a URL it cannot parse: app.ts's frameworkErrors).
 */
export function securityHeaders(reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', NOTHING_ALLOWED_CSP);
}

export default fp(
  async (app) => {
    app.addHook('onSend', async (request, reply, payload) => {
      securityHeaders(reply);
      const cors = request.routeOptions.config?.widgetCors === true;
      const allowOrigin = reply.getHeader('access-control-allow-origin');
      if (!cors || allowOrigin === 'null' || allowOrigin === '*') {
        for (const name of Object.keys(reply.getHeaders())) {
          if (name.toLowerCase().startsWith('access-control-')) reply.removeHeader(name);
        }
      }
      return payload;
    });
  },
  { name: 'parley-security' },
);
