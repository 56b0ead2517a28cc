import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

interface ClientErrorAnswer {
  status: number;
  code: string;
  error: string;
}

/** What Node itself would answer for a request it could not parse, with our `{"error", "code"}` body. */
function answerFor(err: NodeJS.ErrnoException): ClientErrorAnswer {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'HEADERS_TOO_LARGE',
        error: 'the request headers are larger than the server accepts (16 KiB in all); send less in headers',
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        error: 'the chunk extensions of the request body are too large',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', error: 'the request was not received in time' };
    default:
      return {
        status: 400,
        code: 'MALFORMED_HTTP',
        error: `the request is not valid HTTP/1.1 (${err.code ?? err.message})`,
      };
  }
}

/**
 * The server's `clientError` listener: a request Node's parser refused (headers over 16 KiB, broken
 * framing) gets the JSON error every other refusal gets, instead of Node's bodyless answer. It follows
 * Node's own handler otherwise: it answers only when no response has started on the socket (else the
 * bytes would corrupt it, e.g. when the unread rest of a refused 9 MiB body reaches the parser after the
 * 413), and always destroys the socket, whose state is unknown.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    const { status, code, error } = answerFor(err);
    const body = JSON.stringify({ error, code });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
