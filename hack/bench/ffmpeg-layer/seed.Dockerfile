# The seed's way to make an FFmpeg layer, kept as the benchmark's baseline:
# install ffmpeg in a Debian container of the target architecture (under
# QEMU for arm64), copy the programs and whatever ldd lists to /opt, then
# archive /opt (the seed did `docker run ... tar czf - -C /opt .`).
FROM debian:bookworm
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg
RUN mkdir -p /opt/bin /opt/lib && cp /usr/bin/ffmpeg /usr/bin/ffprobe /opt/bin/ && \
    ldd /usr/bin/ffmpeg /usr/bin/ffprobe | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u | \
    xargs -I{} cp -L {} /opt/lib/
FROM scratch
COPY --from=0 /opt/ /
