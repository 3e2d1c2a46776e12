# Writes the SETTINGS section of atsbridge.conf(5), in scdoc, from
# conf/atsbridge.conf: every group, every setting with its default and the
# comment above it.  So the man page and the shipped file never disagree.
#   awk -v plugindir=DIR -v wwwdir=DIR -v localstatedir=DIR -f conf2scd.awk conf/atsbridge.conf
function esc(s) { gsub(/\\/, "\\\\", s); gsub(/\*/, "\\*", s); return s }
function flush_intro() { if (intro != "") print esc(intro) "\n"; intro = "" }
BEGIN { ingroup = 0; intro = ""; desc = ""; installed = "" }
/^[ \t]*$/ { if (!ingroup) intro = ""; next }
/^#/ {
    if (NR > 1 && !seen_group) next          # the file's own header
    line = $0; sub(/^# ?/, "", line); intro = intro (intro == "" ? "" : " ") line; next
}
/^[a-z_]+: *\{/ {
    seen_group = 1; ingroup = 1; group = $1; sub(/:.*/, "", group)
    print "## " group "\n"; flush_intro(); next
}
/^\};/ { ingroup = 0; next }
ingroup && /^[ \t]*#/ {
    line = $0; sub(/^[ \t]*# ?/, "", line)
    if (line ~ /^Default when installed: /) {
        installed = line; sub(/^Default when installed: /, "", installed)
        sub(/PREFIX\/lib\/atsbridge\/plugins/, plugindir, installed)
        sub(/PREFIX\/share\/atsbridge\/www/, wwwdir, installed)
        sub(/^\/var\/lib/, localstatedir, installed)
        next
    }
    desc = desc (desc == "" ? "" : " ") line; next
}
ingroup && /^[ \t]*[a-z_]+ *= / {
    key = $1; value = $0; sub(/^[^=]*= */, "", value); sub(/; *$/, "", value)
    if (installed != "") value = "\"" installed "\""
    print "*" group "." key "* (default: " esc(value) ")"
    print "\t" esc(desc) "\n"
    desc = ""; installed = ""; next
}
{ printf "conf2scd: cannot read line %d: %s\n", NR, $0 > "/dev/stderr"; exit 1 }
