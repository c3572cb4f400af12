# An edge app for the lab: a web server on whatever address the attach tool
# gives the container (python3 -m http.server on all addresses).
FROM localhost/tof-base:bookworm
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        python3 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
RUN mkdir -p /srv && echo "tof app" > /srv/index.html
CMD ["python3", "-m", "http.server", "80", "--directory", "/srv"]
