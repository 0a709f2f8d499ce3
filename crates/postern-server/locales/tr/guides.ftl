# Postern, kaynaklar için iki rehber: "Güvende kalmak" ve "Çok büyük bir arşiv göndermek".
# Türkçe. Bir dil modeli (LLM) tarafından yazıldı ve gözden geçirildi; bkz. docs/translations.md.

landing-safety-more = Güvende kalmak hakkında daha fazlası
home-large-more = Çok büyük bir arşiv nasıl gönderilir

## Güvende kalmak

safety-title = Güvende kalmak
safety-intro = Bir şey göndermeden önce bunu okuyun. Birkaç dakikanızı alır.
safety-promise-heading = Neyi söz verebiliriz, neyi veremeyiz
safety-promise-1 = Bu site, kimin ziyaret ettiğine dair kayıt tutmaz. Gönderdiklerinizi yalnızca şifreli olarak saklar ve onları yalnızca haber odası açabilir.
safety-promise-2 = Kim olduğunuzu hiç kimsenin asla öğrenmeyeceğine söz veremeyiz. İnsanlar çoğunlukla göndermeden önce olanlar yüzünden bulunur: dosyalar kimdeydi, kim kopyaladı, kime anlattılar.
safety-promise-3 = Aşağıdaki öneriler bu riski azaltır. Tamamen ortadan kaldıramaz.
safety-bridges-heading = Bulunduğunuz yerde Tor engelliyse
safety-bridges-1 = Tor bazı ülkelerde engellenir ya da yavaşlatılır; Rusya, Belarus, İran ve Çin bunlardan bazılarıdır. Köprü, yine de bağlanmanıza yardım eder.
safety-bridges-2 = Tor Browser’da “Ayarlar”, sonra “Bağlantı”, sonra “Köprüler” bölümünü açın. Yerleşik bir köprü seçin: önce obfs4, sonra Snowflake deneyin.
safety-bridges-3 = Bağlanamazsanız köprü isteyin: Telegram’da @GetBridgesBot’a yazın ya da bir Gmail veya Riseup adresinden bridges@torproject.org adresine e-posta gönderin. Aldığınız köprüyü “Köprüler” bölümüne ekleyin.
safety-bridges-4 = Bazı yerlerde Tor kullanmak bile dikkat çekebilir. Bu sizin için tehlikeliyse, sizinle bağlantısı olmayan bir yerden ve ağdan bağlanın.
safety-metadata-heading = Dosyalardaki gizli bilgiler
safety-metadata-1 = Dosyalarda göremediğiniz bilgiler bulunur: üst veri (metadata). Fotoğraf ve videolarda yer, zaman ve cihaz bilgisi olabilir. Belgelerde yazarın adı, kurum ve önceki sürümler olabilir.
safety-metadata-2 = Dosya adları haber odasına olduğu gibi ulaşır. Adlar çok şey söylüyorsa dosyaları göndermeden önce yeniden adlandırın.
safety-metadata-3 = Üst veriyi silmek için bu iş için yapılmış bir araç kullanın; örneğin Tails sistemiyle gelen mat2. Ekran görüntüsü asıl dosyadan neredeyse hiçbir şey taşımaz, ama ekranınızdan başka bir şey göstermediğini kontrol edin.
safety-metadata-4 = Basılı sayfalarda yazıcıyı tanıtan minik sarı noktalar olabilir. Belgeleri yazdırıp taramayın.
safety-metadata-5 = Üst veriyi silemiyorsanız mesajınızda bunu belirtin. Gazeteciler bir şey yayımlamadan önce her dosyayı kontrol eder.
safety-logged-heading = Kopyalamanın kendisinin kaydedilebileceği yerler
safety-logged-1 = Dosyaların geldiği yer, onları kimin ne zaman açtığını, indirdiğini, yazdırdığını ya da kopyaladığını kaydediyor olabilir. İş ağları, belge sistemleri, e-posta, bulut depolama ve USB girişleri çoğu zaman böyle kayıtlar tutar.
safety-logged-2 = Aynı dosyaların başka kimlerde olabileceğini düşünün. Çok az kişide varsa bize söyleyin. Haber odası yayımlamadan önce bunu hesaba katar.
safety-logged-3 = İş bilgisayarından, iş telefonundan ya da iş ağından göndermeyin.
safety-knows-heading = Haber odası neyi bilecek, neyi bilmeyecek
safety-knows-yes = Haber odası gönderdiklerinizi görür: dosyaları ve adlarını, mesajlarınızı ve gönderdiğiniz günü.
safety-knows-no = Haber odası, siz ya da dosyalarınız söylemedikçe IP adresinizi, adınızı, nerede olduğunuzu ya da tam saati görmez.
safety-knows-codename = Kod adınız hiçbir yerde saklanmaz. Onu iyi koruyun: yanıtları okumanın tek yolu odur.
safety-after-heading = Gönderdikten sonra
safety-after-1 = İşiniz bitince Tor Browser’da “Yeni Kimlik” seçeneğini kullanın ve bir şey gönderdiğinizi kimseye söylemeyin.
safety-after-2 = Her zamanki gibi davranın. Haberi iş bilgisayarından aramayın.

## Çok büyük bir arşiv göndermek

large-title = Çok büyük bir arşiv göndermek
large-intro = Tor üzerinden büyük bir arşiv saatler sürer. Bağlantı kopacaktır, bu normaldir. Göndermenin iki yolu var.
large-table-caption = Göndermek yaklaşık ne kadar sürer
large-col-size = Boyut
large-speed = { $n } MB/sn
large-col-speed = { $speed } hızla
large-minutes = { $n } dakika
large-hours = yaklaşık { $n } saat
large-table-note = Tor genellikle 1 ile 5 MB/sn arası hız verir. Bu süreler tahminidir.
large-send-heading = En kolay yol: postern-send
large-send-intro = postern-send küçük bir programdır. Dosyayı parça parça, her parçayı yeni bir Tor devresiyle gönderir. Bağlantı koparsa ya da bilgisayar yeniden başlarsa kaldığı yerden devam eder.
large-send-step-1 = Önce bu siteden bir kod adı alın ve bir yere yazın.
large-send-step-2 = Gönderim boyunca Tor Browser’ı açık tutun.
large-send-step-3 = postern-send programını ve bu sitenin .onion adresini haber odasının rehberinde anlatıldığı gibi edinin.
large-send-step-4 = Bu komutu sitenin adresi ve kendi dosyanızla çalıştırın. Sorulduğunda kod adınızı yazın; yazarken hiçbir şey görünmez.
large-send-step-5 = Durursa aynı komutu yeniden çalıştırın. Kaldığı yerden devam eder.
large-split-heading = Program olmadan: arşivi bölün
large-split-text = Tor Browser “En Güvenli” düzeydeyken arşivi, oturum açtıktan sonra gösterilen sınırdan büyük olmayan parçalara bölün. Parçaları aynı kod adıyla tek tek gönderin. Böylece bağlantı koparsa yalnızca bir parça kaybolur.
large-rename = Dosya adı haber odasına ulaşır. Adlar çok şey söylüyorsa dosyaları önce yeniden adlandırın.
