package io.herald.push;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.herald.event.EventCodec;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.List;

/**
 * FCM and Google's token endpoint on one WireMock server: a service account whose {@code token_uri} points here,
 * a token endpoint that issues {@link #ACCESS_TOKEN}, and {@code messages:send} answering with a message name
 * (or whatever a test stubs for a token).
 */
public final class FakeFcm implements AutoCloseable {
    public static final String PROJECT = "herald-test";
    public static final String EMAIL = "herald@herald-test.iam.gserviceaccount.com";
    public static final String ACCESS_TOKEN = "ya29.test-token";
    public static final String SEND_PATH = "/v1/projects/" + PROJECT + "/messages:send";

    private final WireMockServer server;
    private final KeyPair key;

    public FakeFcm() {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            key = g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        server.stubFor(post(urlEqualTo("/token")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_in\":3600,\"token_type\":\"Bearer\"}")));
        server.stubFor(post(urlEqualTo(SEND_PATH)).atPriority(10).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"name\":\"projects/" + PROJECT + "/messages/0:{{randomValue length=12 type='NUMERIC'}}\"}")
                .withTransformers("response-template")));
    }

    public WireMockServer server() {
        return server;
    }

    public RSAPublicKey publicKey() {
        return (RSAPublicKey) key.getPublic();
    }

    /** The service-account JSON as the Firebase console gives it, its token_uri on this server. */
    public ObjectNode serviceAccount() {
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        return EventCodec.mapper().createObjectNode().put("type", "service_account").put("project_id", PROJECT)
                .put("private_key_id", "0123abcd").put("private_key", pem).put("client_email", EMAIL)
                .put("client_id", "1234567890").put("token_uri", server.baseUrl() + "/token");
    }

    /** The channel credentials: the service account and this server as the base URL. */
    public ObjectNode credentials() {
        ObjectNode c = EventCodec.mapper().createObjectNode();
        c.set("serviceAccount", serviceAccount());
        c.put("baseUrl", server.baseUrl());
        return c;
    }

    /** FCM answers {@code status} with a google.rpc error body for messages to {@code token}. */
    public void answer(String token, int status, String grpcStatus, String fcmErrorCode, String message,
                       String retryAfter) {
        String details = fcmErrorCode == null ? "[]" : "[{\"@type\":\"type.googleapis.com/google.firebase.fcm.v1.FcmError\","
                + "\"errorCode\":\"" + fcmErrorCode + "\"}]";
        var response = aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"code\":" + status + ",\"message\":\"" + message + "\",\"status\":\"" + grpcStatus
                        + "\",\"details\":" + details + "}}");
        if (retryAfter != null) response = response.withHeader("Retry-After", retryAfter);
        server.stubFor(post(urlEqualTo(SEND_PATH)).atPriority(1)
                .withRequestBody(matchingJsonPath("$.message.token", equalTo(token))).willReturn(response));
    }

    /** The token endpoint refuses the grant, as Google does for a revoked key. */
    public void refuseTokens() {
        server.stubFor(post(urlEqualTo("/token")).atPriority(1).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}")));
    }

    /** The messages FCM received, as JSON, in order. */
    public List<JsonNode> messages() {
        return server.findAll(postRequestedFor(urlEqualTo(SEND_PATH))).stream().map(FakeFcm::json).toList();
    }

    public List<LoggedRequest> sendRequests() {
        return server.findAll(postRequestedFor(urlEqualTo(SEND_PATH)));
    }

    public List<LoggedRequest> tokenRequests() {
        return server.findAll(postRequestedFor(urlEqualTo("/token")));
    }

    /** The claims of the JWT the library posted to the token endpoint (signature checked by the caller). */
    public static String form(LoggedRequest r, String field) {
        for (String pair : r.getBodyAsString().split("&")) {
            int eq = pair.indexOf('=');
            if (pair.substring(0, eq).equals(field)) return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
        return null;
    }

    private static JsonNode json(LoggedRequest r) {
        try {
            return EventCodec.mapper().readTree(r.getBodyAsString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
