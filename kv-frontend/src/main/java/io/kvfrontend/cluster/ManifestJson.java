package io.kvfrontend.cluster;

import io.kvfrontend.engine.spi.CollectionsManifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GetCollectionsManifest JSON (mcbp-protocol.md 10): uids as lower-case hex strings.
 *
 * <p><b>Immutable</b> (static helpers only).
 */
public final class ManifestJson {
    private ManifestJson() {}

    public static byte[] render(CollectionsManifest manifest) {
        List<Object> scopes = new ArrayList<>();
        for (CollectionsManifest.Scope s : manifest.scopes()) {
            List<Object> cols = new ArrayList<>();
            for (CollectionsManifest.Collection c : s.collections()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("name", c.name());
                cm.put("uid", Integer.toHexString(c.id()));
                cols.add(cm);
            }
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("name", s.name());
            sm.put("uid", Integer.toHexString(s.id()));
            sm.put("collections", cols);
            scopes.add(sm);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("uid", Long.toHexString(manifest.uid()));
        root.put("scopes", scopes);
        return ClusterMap.render(root);
    }
}
