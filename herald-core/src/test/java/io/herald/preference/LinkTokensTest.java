package io.herald.preference;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.credential.MasterKey;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Signed link tokens: what this server signed verifies; anything else, however close, does not. */
class LinkTokensTest {
    private final MasterKey key = MasterKey.generate(new SecureRandom());
    private final LinkTokens tokens = new LinkTokens(key);
    private final LinkTokens.Claim claim = new LinkTokens.Claim("ws_1", "person_1", "email", "product_tips", "d1");

    @Test
    void aTokenCarriesItsClaimAndIsUrlSafe() {
        String token = tokens.issue(claim);
        assertThat(token).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+").hasSizeLessThan(LinkTokens.MAX_LENGTH);
        assertThat(tokens.verify(token)).contains(claim);
        assertThat(new LinkTokens(key).verify(token)).contains(claim); // after a restart
        LinkTokens.Claim noTopic = new LinkTokens.Claim("ws_1", "person_1", "push", null, null);
        assertThat(tokens.verify(tokens.issue(noTopic))).contains(noTopic);
    }

    @Test
    void everyChangedCharacterIsRefused() {
        String token = tokens.issue(claim);
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            String changed = token.substring(0, i) + (c == 'A' ? 'B' : 'A') + token.substring(i + 1);
            assertThat(tokens.verify(changed)).as("changed at %d", i).isEmpty();
        }
    }

    @Test
    void aClaimRewrittenWithTheOriginalSignatureIsRefused() {
        String token = tokens.issue(claim);
        String sig = token.substring(token.indexOf('.'));
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"w\":\"ws_2\",\"p\":\"person_1\",\"c\":\"email\"}".getBytes()) + sig;
        assertThat(tokens.verify(forged)).isEmpty();
    }

    @Test
    void tokensOfAnotherServerAndGarbageAreRefused() {
        String foreign = new LinkTokens(MasterKey.generate(new SecureRandom())).issue(claim);
        assertThat(tokens.verify(foreign)).isEmpty();
        for (String bad : new String[] {"", ".", "a.b", "a.b.c", "%%%.%%%", "x".repeat(5000), "eyJ3Ijoid3MifQ.",
                tokens.issue(claim) + "."}) {
            assertThat(tokens.verify(bad)).as(bad).isEmpty();
        }
        assertThat(tokens.verify(null)).isEmpty();
    }

    @Test
    void linksPointAtTheUnsubscribeAndPreferencePagesWithOneVerifiableToken() {
        Links links = new Links(() -> "https://herald.example.com", tokens);
        Map<String, String> l = links.forDelivery("ws_1", "person_1", "d1", "email", "product_tips");
        String unsubscribe = l.get("unsubscribeUrl");
        assertThat(unsubscribe).startsWith("https://herald.example.com/u/");
        String token = unsubscribe.substring("https://herald.example.com/u/".length());
        assertThat(l.get("preferencesUrl")).isEqualTo("https://herald.example.com/preferences/" + token);
        assertThat(tokens.verify(token)).contains(claim);
        assertThat(Links.emailHeaders(unsubscribe)).containsExactly(
                Map.entry("List-Unsubscribe", "<" + unsubscribe + ">"),
                Map.entry("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
    }
}
