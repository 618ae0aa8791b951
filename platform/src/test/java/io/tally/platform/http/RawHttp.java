package io.tally.platform.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Sends an HTTP/1.1 request as it stands, byte for byte (ISO-8859-1), on a socket: for requests no
 * HTTP client will send (a control character in the request line, a raw Latin-1 byte in a header).
 * The server must close the connection after answering (it does after a request it cannot parse;
 * otherwise send {@code Connection: close}). In the test-jar, for the services' HTTP ITs.
 */
public final class RawHttp {
    /** The answer: its status and its body (not de-chunked; the error answers here carry a length). */
    public record Answer(int status, String body) {}

    private RawHttp() {}

    /** Writes {@code request} to 127.0.0.1:{@code port} and reads the answer until the server closes. */
    public static Answer send(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return new Answer(Integer.parseInt(response.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3)),
                    response.substring(response.indexOf("\r\n\r\n") + 4));
        }
    }
}
